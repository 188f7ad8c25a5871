/**
 * TRUST_PROXY behind real nginx (deploy/nginx.conf as shipped, but for its certificate paths) and
 * real HAProxy (deploy/haproxy.cfg as shipped): Parley and the proxy in a network namespace of
 * their own, two clients in namespaces of theirs, each with its own address. One client floods
 * connections and new rooms through the proxy and is held to its own allowance while the other is
 * not held at all; a header the flooder forges, to the proxy or to Parley directly, is not
 * believed. Needs root, iproute2, nginx and haproxy (CI has them).
 */
import assert from "node:assert/strict";
import { makeCertificate } from "../../deploy/make_cert.ts";
import { report } from "../helpers/hostile.ts";
import { namespacesUnavailable } from "../helpers/netns.ts";
import { haproxyUnavailable, startHaproxy } from "../helpers/haproxy.ts";
import { nginxUnavailable, startNginx } from "../helpers/nginx.ts";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR, startServer } from "../helpers/server.ts";

const SERVER = "ph-px-srv";
/** Each client's namespace, its address, and the server's address on its link. */
const CLIENTS = {
  a: { namespace: "ph-px-a", address: "10.77.1.2", server: "10.77.1.1" },
  b: { namespace: "ph-px-b", address: "10.77.2.2", server: "10.77.2.1" },
};
const PER_ADDRESS = 10;
/**
 * Rooms one address may open a minute, and so at most at once (the bucket holds a minute's): few,
 * so that however slowly the test goes, what refilled meanwhile is far from what forged addresses
 * would open if they were believed.
 */
const ROOMS_PER_MINUTE = 2;

const needs = requirement(
  "tests/server/trust_proxy_test.ts",
  "the TRUST_PROXY test behind nginx and HAProxy",
  (await namespacesUnavailable()) ?? (await nginxUnavailable()) ?? (await haproxyUnavailable()),
);

async function run(namespace: string, ...command: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("ip", {
    args: ["netns", "exec", namespace, ...command],
    cwd: ROOT_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (!success) throw new Error(`${command.join(" ")} in ${namespace} failed: ${said}`);
  return said;
}

async function removeNamespaces(): Promise<void> {
  for (const namespace of [SERVER, CLIENTS.a.namespace, CLIENTS.b.namespace]) {
    await new Deno.Command("ip", { args: ["netns", "del", namespace], stderr: "null" }).output();
  }
}

/** The server's namespace, and one linked to it for each client (a /24 each). */
async function makeNamespaces(): Promise<void> {
  await removeNamespaces();
  for (const namespace of [SERVER, CLIENTS.a.namespace, CLIENTS.b.namespace]) {
    await new Deno.Command("ip", { args: ["netns", "add", namespace] }).output();
    await run(namespace, "ip", "link", "set", "lo", "up");
  }
  for (const [name, client] of Object.entries(CLIENTS)) {
    const [serverEnd, clientEnd] = [`ph-px${name}-s`, `ph-px${name}-c`];
    await run(
      SERVER,
      ...["ip", "link", "add", serverEnd, "type", "veth", "peer", "name", clientEnd],
      ...["netns", client.namespace],
    );
    await run(SERVER, "ip", "addr", "add", `${client.server}/24`, "dev", serverEnd);
    await run(SERVER, "ip", "link", "set", serverEnd, "up");
    await run(client.namespace, "ip", "addr", "add", `${client.address}/24`, "dev", clientEnd);
    await run(client.namespace, "ip", "link", "set", clientEnd, "up");
  }
}

/** Runs tests/helpers/proxy_client.ts as client `name`; its figures. */
async function client(
  name: keyof typeof CLIENTS,
  args: { mode: "connections" | "rooms"; url: string; count: number; forwardedFor?: string },
  caFile: string,
): Promise<Record<string, number>> {
  const said = await run(
    CLIENTS[name].namespace,
    ...[Deno.execPath(), "run", "--allow-net", "--allow-env", "--allow-read", `--cert=${caFile}`],
    `${ROOT_DIR}tests/helpers/proxy_client.ts`,
    ...[args.mode, args.url, String(args.count), caFile],
    ...(args.forwardedFor ? [args.forwardedFor] : []),
  );
  return JSON.parse(said.trim().split("\n").at(-1)!);
}

type ClientName = keyof typeof CLIENTS;

/** Parley on port 8000 of the server's namespace, trusting the proxy on the same machine. */
const startParley = () =>
  startServer({
    namespace: SERVER,
    host: "0.0.0.0",
    port: 8000,
    env: {
      TRUST_PROXY: "127.0.0.1",
      MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
      RATE_NEW_ROOMS_PER_ADDRESS: String(ROOMS_PER_MINUTE),
      SELF_CHECK_SECONDS: "0",
    },
  });

/**
 * The flood through the proxy at `via(name)`, and the forgeries; `caFile` is trusted by the
 * clients (for nginx's certificate).
 */
async function floodThrough(
  proxy: string,
  via: (name: ClientName) => string,
  caFile: string,
): Promise<void> {
  // A opens more connections than one address may; while it holds them, B comes in.
  const flood = client("a", { mode: "connections", url: via("a"), count: 15 }, caFile);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const honest = await client("b", { mode: "connections", url: via("b"), count: 5 }, caFile);
  const flooded = await flood;
  report(`connections via ${proxy}`, { a: JSON.stringify(flooded), b: JSON.stringify(honest) });
  assert.deepEqual(flooded, { connected: PER_ADDRESS, refused: 15 - PER_ADDRESS });
  assert.deepEqual(honest, { connected: 5, refused: 0 });

  // A opens rooms past its allowance; B still opens its own.
  const rooms = (name: ClientName, url: string, count: number, forwardedFor?: string) =>
    client(name, { mode: "rooms", url, count, forwardedFor }, caFile);
  const roomFlood = await rooms("a", via("a"), 10);
  const honestRooms = await rooms("b", via("b"), ROOMS_PER_MINUTE);
  // A forges the header, a new address each time: to the proxy (which appends the one it saw),
  // and to Parley directly. Believed, each of the 10 would open a room; not, A has only what its
  // own bucket refilled meanwhile, at most a minute's allowance.
  const forgedViaProxy = await rooms("a", via("a"), 10, "198.51.100.{i}");
  const forgedDirect = await rooms("a", `http://${CLIENTS.a.server}:8000`, 10, "198.51.101.{i}");
  report(`new rooms via ${proxy}`, {
    a: JSON.stringify(roomFlood),
    b: JSON.stringify(honestRooms),
    aForgedViaProxy: JSON.stringify(forgedViaProxy),
    aForgedDirect: JSON.stringify(forgedDirect),
  });
  assert.deepEqual(roomFlood, { opened: ROOMS_PER_MINUTE, refused: 10 - ROOMS_PER_MINUTE });
  assert.deepEqual(honestRooms, { opened: ROOMS_PER_MINUTE, refused: 0 });
  assert.ok(
    forgedViaProxy.opened <= ROOMS_PER_MINUTE,
    `the proxy's hop is the one read: ${forgedViaProxy.opened}`,
  );
  assert.ok(
    forgedDirect.opened <= ROOMS_PER_MINUTE,
    `only a proxy is believed: ${forgedDirect.opened}`,
  );
}

Deno.test({
  name:
    "TRUST_PROXY behind nginx and HAProxy: a flooder is held to its own allowance, forged headers are not",
  ignore: needs.ignore,
  fn: async (t) => {
    needs.check();
    const dir = await Deno.makeTempDir({ prefix: "parley-proxy-" });
    try {
      await makeNamespaces();
      const tls = await makeCertificate(dir, { ips: [CLIENTS.a.server, CLIENTS.b.server] });

      await t.step("nginx (deploy/nginx.conf)", async () => {
        await using _parley = await startParley();
        await using _nginx = await startNginx({ serverNamespace: SERVER, run }, tls);
        await floodThrough("nginx", (name) => `https://${CLIENTS[name].server}`, tls.certFile);
      });

      await t.step("HAProxy (deploy/haproxy.cfg)", async () => {
        await using _parley = await startParley();
        // The one instance behind both of the file's server lines, so both clients meet it.
        const instance = { url: "http://127.0.0.1:8000" };
        const via = (name: ClientName) => `http://${CLIENTS[name].server}:8080`;
        await using _haproxy = await startHaproxy(instance, instance, {
          namespace: SERVER,
          listen: ":8080",
          url: via("a"),
          ready: () =>
            run(CLIENTS.a.namespace, "curl", "-sf", "-o", "/dev/null", `${via("a")}/readyz`)
              .then(() => true, () => false),
        });
        await floodThrough("HAProxy", via, tls.certFile);
      });
    } finally {
      await removeNamespaces();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
