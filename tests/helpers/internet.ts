/**
 * Test helpers: a small internet in network namespaces. One namespace is "the internet" (a
 * bridge); on it sit a server host (where Parley, coturn and nginx run) and two home routers,
 * each the NAT between the internet and its home, a namespace where that home's browser runs:
 *
 *   home A 10.1.0.2 ── 10.1.0.1 [router A] 203.0.113.21 ─┐
 *                                                       ├─ internet (bridge) ── 203.0.113.10 server
 *   home B 10.2.0.2 ── 10.2.0.1 [router B] 203.0.113.22 ─┘
 *
 * The routers are iptables NATs of a kind the test picks and can switch ({@linkcode NatKind}).
 * Everything is inside namespaces made here: the host gets no interface, route or rule, and the
 * addresses (203.0.113.0/24 is TEST-NET-3, 10.x private) exist nowhere else, so nothing the
 * tests send can leave. Needs root, iproute2 and iptables (CI has them, as root).
 *
 * @module
 */
import type { Page } from "puppeteer-core";
import { spawnChild } from "./process.ts";
import { ROOT_DIR, type RunningServer, startServer } from "./server.ts";
import { namespacesUnavailable } from "./netns.ts";

/**
 * How a home router translates addresses:
 * - `open`: endpoint-independent mapping and filtering ("full cone"): one outside port per inside
 *   port whatever the destination, and anyone may send to it. STUN finds it; direct calls work.
 * - `firewall`: what typical home routers do: MASQUERADE, and a stateful firewall that lets in
 *   only what answers something sent out (address- and port-restricted).
 * - `symmetric`: MASQUERADE `--random-fully` behind the same firewall: a new outside port for
 *   every destination, so the port STUN saw is not the one the other person would have to use.
 */
export type NatKind = "open" | "firewall" | "symmetric";

/** The server host's address on the simulated internet. */
export const SERVER_ADDRESS = "203.0.113.10";
/** The coturn the internet runs: STUN and TURN on the server host, port 3478. */
export const TURN_PORT = 3478;

/** One home: a browser's namespace behind its NAT router. */
export interface Home {
  name: "A" | "B";
  /** The namespace the home's browser runs in. */
  namespace: string;
  /** The browser's address in the home. */
  address: string;
  /** The router's address on the internet: what the home looks like from outside. */
  publicAddress: string;
  /** A script that runs Chromium inside the home (puppeteer's `executablePath`, `pipe: true`). */
  chromium: string;
}

/** A running coturn on the server host, configured by deploy/turnserver.conf. */
export interface Turn {
  /** Its shared secret (Parley's TURN_SECRET). */
  secret: string;
  /** Parley's environment for it: TURN_URLS and TURN_SECRET. */
  env: Record<string, string>;
  output(): string;
  stop(): Promise<void>;
}

/** The simulated internet. */
export interface Internet {
  homes: [Home, Home];
  /** The server host's namespace. */
  serverNamespace: string;
  /** Makes both routers NATs of `kind` (rules replaced; connections already open are kept). */
  setNat(kind: NatKind): Promise<void>;
  /** Starts Parley on the server host, as `deno task start` runs it. */
  startParley(
    env?: Record<string, string>,
    options?: { host?: string; port?: number },
  ): Promise<RunningServer>;
  /** Starts coturn on the server host with deploy/turnserver.conf. */
  startTurn(): Promise<Turn>;
  /** Runs a command in namespace `namespace`; throws with its output when it fails. */
  run(namespace: string, ...command: string[]): Promise<string>;
  /** Stops what it started and removes every namespace; never throws. */
  remove(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const PUBLIC = "203.0.113";
const HOMES = [
  { name: "A", lan: "10.1.0", wan: `${PUBLIC}.21` },
  { name: "B", lan: "10.2.0", wan: `${PUBLIC}.22` },
] as const;
const PREFIX = "pin";

/**
 * Why the internet cannot be built here (not root, no `ip`, no `iptables`, no `turnserver`), or
 * null when it can.
 */
export async function internetUnavailable(): Promise<string | null> {
  const namespaces = await namespacesUnavailable();
  if (namespaces) return namespaces;
  const packages: Record<string, string> = {
    iptables: "iptables",
    turnserver: "coturn",
    nginx: "nginx",
  };
  for (const [tool, pkg] of Object.entries(packages)) {
    if (!await installed(tool)) return `${tool} is not installed (apt-get install -y ${pkg})`;
  }
  return null;
}

/** Whether `program` is on the PATH or in /usr/sbin (found, not run: `turnserver -v` serves). */
async function installed(program: string): Promise<boolean> {
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of [...path.split(":"), "/usr/sbin", "/sbin"]) {
    try {
      if ((await Deno.stat(`${dir}/${program}`)).isFile) return true;
    } catch {
      // Not here.
    }
  }
  return false;
}

/** Runs `program` and resolves with its output; throws with the output when it fails. */
async function must(program: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(program, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { success, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  const output = (decoder.decode(stdout) + decoder.decode(stderr)).trim();
  if (!success) throw new Error(`${program} ${args.join(" ")} failed: ${output}`);
  return output;
}

/** Removes the namespaces of earlier test processes that died before cleaning up. */
async function removeLeftovers(): Promise<void> {
  const list = await must("ip", ["netns", "list"]).catch(() => "");
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0];
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (!owner || Number(owner) === Deno.pid) continue;
    try {
      Deno.kill(Number(owner), "SIGCONT");
      continue; // Its test process is alive: its namespaces are in use.
    } catch {
      await removeNamespace(name);
    }
  }
}

/** Kills whatever still runs in `name`, then deletes it. */
async function removeNamespace(name: string): Promise<void> {
  const pids = await must("ip", ["netns", "pids", name]).catch(() => "");
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  await must("ip", ["netns", "del", name]).catch(() => {});
}

/** Builds the internet with both routers of kind `nat`. */
export async function createInternet(nat: NatKind = "firewall"): Promise<Internet> {
  await removeLeftovers();
  const ns = (role: string) => `${PREFIX}${Deno.pid}-${role}`;
  const net = ns("net");
  const server = ns("srv");
  const names = [net, server, ...HOMES.flatMap((h) => [ns(`r${h.name}`), ns(h.name)])];
  const scripts: string[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const chromium = Deno.env.get("PARLEY_CHROMIUM") || "/usr/bin/chromium";

  const remove = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => {});
    for (const name of names) await removeNamespace(name);
    for (const script of scripts) await Deno.remove(script).catch(() => {});
  };

  const run = (namespace: string, ...command: string[]) =>
    must("ip", ["netns", "exec", namespace, ...command]);

  try {
    for (const name of names) await must("ip", ["netns", "add", name]);
    // `ip -n NS -batch` runs many commands in one process: quicker than a process per command.
    // First every link (a veth pair is made from one end, its peer put in the other namespace),
    // then each namespace's addresses and routes.
    const links: [string, string][] = [
      [net, "link add br0 type bridge forward_delay 0"],
      [server, `link add eth0 type veth peer name srv netns ${net}`],
    ];
    const setup = new Map<string, string[]>(names.map((name) => [name, ["link set lo up"]]));
    setup.get(net)!.push("link set br0 up", "link set srv master br0", "link set srv up");
    setup.get(server)!.push(`addr add ${SERVER_ADDRESS}/24 dev eth0`, "link set eth0 up");
    for (const home of HOMES) {
      const router = ns(`r${home.name}`);
      const inside = ns(home.name);
      const port = `r${home.name}`;
      links.push(
        [router, `link add wan type veth peer name ${port} netns ${net}`],
        [router, `link add lan type veth peer name eth0 netns ${inside}`],
      );
      setup.get(net)!.push(`link set ${port} master br0`, `link set ${port} up`);
      setup.get(router)!.push(
        `addr add ${home.wan}/24 dev wan`,
        "link set wan up",
        `addr add ${home.lan}.1/24 dev lan`,
        "link set lan up",
      );
      setup.get(inside)!.push(
        `addr add ${home.lan}.2/24 dev eth0`,
        "link set eth0 up",
        `route add default via ${home.lan}.1`,
      );
    }
    for (const [name, command] of links) await must("ip", ["-n", name, ...command.split(" ")]);
    for (const [name, commands] of setup) {
      await must("ip", ["-n", name, "-batch", "-"], commands.join("\n") + "\n");
    }
    for (const home of HOMES) {
      await run(ns(`r${home.name}`), "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    const homes = await Promise.all(HOMES.map(async (home): Promise<Home> => {
      const script = await Deno.makeTempFile({
        prefix: `parley-home-${home.name}-`,
        suffix: ".sh",
      });
      scripts.push(script);
      await Deno.writeTextFile(
        script,
        `#!/bin/sh\nexec ip netns exec ${ns(home.name)} ${chromium} "$@"\n`,
      );
      await Deno.chmod(script, 0o755);
      return {
        name: home.name,
        namespace: ns(home.name),
        address: `${home.lan}.2`,
        publicAddress: home.wan,
        chromium: script,
      };
    })) as [Home, Home];

    const setNat = async (kind: NatKind) => {
      for (const home of HOMES) {
        await must(
          "ip",
          ["netns", "exec", ns(`r${home.name}`), "iptables-restore"],
          natRules(kind, `${home.lan}.2`),
        );
      }
    };
    await setNat(nat);

    const internet: Internet = {
      homes,
      serverNamespace: server,
      setNat,
      startParley: async (env = {}, options = {}) => {
        const parley = await startServer({
          namespace: server,
          host: options.host ?? SERVER_ADDRESS,
          port: options.port ?? 8000,
          env,
        });
        stoppers.push(() => parley.stop());
        return parley;
      },
      startTurn: async () => {
        const turn = await startTurn(server);
        stoppers.push(turn.stop);
        return turn;
      },
      run,
      remove,
      [Symbol.asyncDispose]: remove,
    };
    return internet;
  } catch (error) {
    await remove();
    throw error;
  }
}

/** iptables-restore input that makes a router a NAT of `kind` for the home host `inside`. */
function natRules(kind: NatKind, inside: string): string {
  const masquerade = kind === "symmetric"
    ? "-A POSTROUTING -o wan -j MASQUERADE --random-fully"
    : "-A POSTROUTING -o wan -j MASQUERADE";
  // Full cone: whatever reaches an outside port goes to the one home host (MASQUERADE keeps
  // the inside port where it can, so outside port = inside port for every destination).
  const open = kind === "open"
    ? [`-A PREROUTING -i wan -p udp -j DNAT --to-destination ${inside}`]
    : [];
  // A stateful firewall: in from the internet only what answers something sent out.
  const firewall = kind === "open" ? [] : [
    "-A FORWARD -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "-A FORWARD -i wan -j DROP",
    "-A INPUT -i wan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
    "-A INPUT -i wan -j DROP",
  ];
  return [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ...open,
    masquerade,
    "COMMIT",
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ...firewall,
    "COMMIT",
    "",
  ].join("\n");
}

/** Starts coturn in `namespace` with deploy/turnserver.conf; resolves once it serves. */
async function startTurn(namespace: string): Promise<Turn> {
  const secret = crypto.randomUUID();
  const pidfile = await Deno.makeTempFile({ prefix: "parley-turn-", suffix: ".pid" });
  const child = spawnChild("ip", [
    "netns",
    "exec",
    namespace,
    "turnserver",
    "-c",
    `${ROOT_DIR}deploy/turnserver.conf`,
    // Only what differs per site; everything else is the deployment file as docs/deploy.md gives it.
    `--static-auth-secret=${secret}`,
    `--listening-ip=${SERVER_ADDRESS}`,
    `--relay-ip=${SERVER_ADDRESS}`,
    "--log-file=stdout",
    `--pidfile=${pidfile}`,
  ]);
  const stop = async () => {
    await child.terminate("SIGTERM", 3000);
    await Deno.remove(pidfile).catch(() => {});
  };
  const ready = await child.waitFor(/Total General servers/, Date.now() + 15_000);
  if (!ready) {
    await stop();
    throw new Error(`coturn did not start within 15 s:\n${child.output()}`);
  }
  const urls = [
    `turn:${SERVER_ADDRESS}:${TURN_PORT}?transport=udp`,
    `turn:${SERVER_ADDRESS}:${TURN_PORT}?transport=tcp`,
  ];
  return {
    secret,
    env: { TURN_URLS: urls.join(","), TURN_SECRET: secret },
    output: child.output,
    stop,
  };
}

/** Parley's ICE_SERVERS for the internet's STUN server (coturn answers STUN too). */
export const STUN_ENV: Record<string, string> = {
  ICE_SERVERS: JSON.stringify([{ urls: `stun:${SERVER_ADDRESS}:${TURN_PORT}` }]),
};

/** The selected candidate pair of a peer connection, from `getStats()`. */
export interface SelectedPair {
  local: { candidateType: string; address: string; protocol: string };
  remote: { candidateType: string; address: string; protocol: string };
}

/**
 * The selected candidate pair of the newest peer connection the page made (watched by
 * `watchPeerConnections`): the `transport` stats' `selectedCandidatePairId`, then the pair's
 * local and remote candidates. Null while there is none.
 */
export async function selectedPair(page: Page): Promise<SelectedPair | null> {
  return await page.evaluate(async () => {
    const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections.at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pairId: string | undefined;
    for (const report of stats.values()) {
      if (report.type === "transport" && report.selectedCandidatePairId) {
        pairId = report.selectedCandidatePairId;
      }
    }
    const pair = pairId ? stats.get(pairId) : undefined;
    if (!pair) return null;
    const candidate = (id: string) => {
      const c = stats.get(id);
      return { candidateType: c?.candidateType, address: c?.address, protocol: c?.protocol };
    };
    return { local: candidate(pair.localCandidateId), remote: candidate(pair.remoteCandidateId) };
  });
}

/** Waits until the page has a selected candidate pair; resolves with it. */
export async function waitForSelectedPair(page: Page, timeoutMs = 15_000): Promise<SelectedPair> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pair = await selectedPair(page);
    if (pair) return pair;
    if (Date.now() > deadline) throw new Error("no selected candidate pair");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** "srflx → srflx (udp)": a pair, as the tests print it. */
export function describePair(pair: SelectedPair): string {
  return `${pair.local.candidateType} → ${pair.remote.candidateType} (${pair.local.protocol})`;
}
