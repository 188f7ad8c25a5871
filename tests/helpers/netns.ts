/**
 * Test helpers: a network link a test can cut. A network namespace is joined to the host by a veth
 * pair on a private /24 of its own; a browser started inside the namespace reaches the host (and
 * a server listening on the host's address, which sits on a bridge that stays up) only through
 * that pair, so taking the namespace's end down cuts it off, as a Wi-Fi drop would, while the
 * host's network stays as it was. Needs root and iproute2 (`ip`), as CI has.
 *
 * Nothing leaves the machine: the namespace has no other interface and no default route, and the
 * host gets an `unreachable` route for the /24 that takes over should its veth end ever go down,
 * so packets for the namespace never fall through to the host's default route.
 *
 * @module
 */

/** A namespace joined to the host by a veth pair. */
export interface NamespaceLink {
  /** The namespace's name (`ip netns`). */
  name: string;
  /** The host's end of the pair, e.g. `10.231.0.1`: where a server for both sides listens. */
  hostAddress: string;
  /** The namespace's end of the pair, e.g. `10.231.0.2`. */
  namespaceAddress: string;
  /** The namespace's end of the pair (what `tc` shapes for the namespace's uplink). */
  namespaceInterface: string;
  /** A script that runs Chromium inside the namespace with the arguments it is given. */
  chromium: string;
  /** Runs `program` (tc, iptables) inside the namespace; throws with what it said when it fails. */
  exec(program: string, ...args: string[]): Promise<void>;
  /** Takes the namespace's end down: everything inside loses its only network. */
  cut(): Promise<void>;
  /** Brings the namespace's end back up. */
  restore(): Promise<void>;
  /** Removes the namespace, the pair, the route and the script; never throws. */
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options for {@linkcode createNamespaceLink}. */
export interface NamespaceLinkOptions {
  /** The first three octets of the /24 the pair uses; default `10.231.0`. */
  subnet?: string;
}

/** Runs `ip` with `args`; resolves with whether it succeeded and what it said. */
function ip(...args: string[]): Promise<{ ok: boolean; output: string }> {
  return run("ip", args);
}

/** Runs `program` with `args`; resolves with whether it succeeded and what it said. */
async function run(program: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { success, stdout, stderr } = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return { ok: success, output: (decoder.decode(stdout) + decoder.decode(stderr)).trim() };
  } catch (error) {
    return { ok: false, output: (error as Error).message };
  }
}

/** Runs `ip` with `args` and throws, with what it said, when it fails. */
async function mustIp(...args: string[]): Promise<void> {
  const { ok, output } = await ip(...args);
  if (!ok) throw new Error(`ip ${args.join(" ")} failed: ${output}`);
}

/**
 * Why network namespaces cannot be made here (not root, no `ip`, no permission), or null when
 * they can: it makes and removes one to find out.
 */
export async function namespacesUnavailable(): Promise<string | null> {
  if (Deno.build.os !== "linux") {
    return `network namespaces are Linux only (this is ${Deno.build.os})`;
  }
  if (Deno.uid() !== 0) return "network namespaces need root (CI runs as root)";
  const probe = `parley-probe-${Deno.pid}`;
  const made = await ip("netns", "add", probe);
  if (!made.ok) return `"ip netns add" failed: ${made.output}`;
  await ip("netns", "del", probe);
  return null;
}

/**
 * Makes namespace `name` and a veth pair to it: host end `<subnet>.1/24`, namespace end
 * `<subnet>.2/24`, both up, loopback up inside. Leftovers of a crashed earlier run with the same
 * names are removed first.
 */
export async function createNamespaceLink(
  name: string,
  options: NamespaceLinkOptions = {},
): Promise<NamespaceLink> {
  const subnet = options.subnet ?? "10.231.0";
  // Interface names are at most 15 characters; the namespace's name keeps them apart.
  const hostIf = `${name}`.slice(0, 12) + "-h";
  const nsIf = `${name}`.slice(0, 12) + "-n";
  // The host's address sits on a bridge that a second, always-up veth pair keeps up: when the
  // namespace's end goes down the host keeps its interface, as a host whose peer lost its Wi-Fi
  // does (a bare veth end would lose carrier, and the host's browser would drop the address).
  const bridge = `${name}`.slice(0, 12) + "-b";
  const keepIf = `${name}`.slice(0, 12) + "-k";
  const keepPeer = `${name}`.slice(0, 12) + "-q";
  const hostAddress = `${subnet}.1`;
  const namespaceAddress = `${subnet}.2`;
  const chromium = Deno.env.get("PARLEY_CHROMIUM") || "/usr/bin/chromium";
  let script: string | null = null;

  const remove = async () => {
    await ip("netns", "del", name);
    await ip("link", "del", hostIf);
    await ip("link", "del", keepIf);
    await ip("link", "del", bridge);
    await ip("route", "del", "unreachable", `${subnet}.0/24`, "metric", "4000");
    if (script) await Deno.remove(script).catch(() => {});
  };
  await remove();
  try {
    await mustIp("netns", "add", name);
    await mustIp("link", "add", hostIf, "type", "veth", "peer", "name", nsIf, "netns", name);
    await mustIp("route", "add", "unreachable", `${subnet}.0/24`, "metric", "4000");
    await mustIp("link", "add", bridge, "type", "bridge", "forward_delay", "0");
    await mustIp("link", "add", keepIf, "type", "veth", "peer", "name", keepPeer);
    await mustIp("link", "set", keepIf, "master", bridge);
    await mustIp("link", "set", hostIf, "master", bridge);
    await mustIp("addr", "add", `${hostAddress}/24`, "dev", bridge);
    for (const link of [keepPeer, keepIf, hostIf, bridge]) await mustIp("link", "set", link, "up");
    await mustIp("-n", name, "link", "set", "lo", "up");
    await mustIp("-n", name, "addr", "add", `${namespaceAddress}/24`, "dev", nsIf);
    await mustIp("-n", name, "link", "set", nsIf, "up");
    script = await Deno.makeTempFile({ prefix: `${name}-chromium-`, suffix: ".sh" });
    await Deno.writeTextFile(script, `#!/bin/sh\nexec ip netns exec ${name} ${chromium} "$@"\n`);
    await Deno.chmod(script, 0o755);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    name,
    hostAddress,
    namespaceAddress,
    namespaceInterface: nsIf,
    chromium: script,
    exec: async (program, ...args) => {
      const { ok, output } = await run("ip", ["netns", "exec", name, program, ...args]);
      if (!ok) throw new Error(`${program} ${args.join(" ")} (in ${name}) failed: ${output}`);
    },
    cut: () => mustIp("-n", name, "link", "set", nsIf, "down"),
    restore: () => mustIp("-n", name, "link", "set", nsIf, "up"),
    remove,
    [Symbol.asyncDispose]: remove,
  };
}
