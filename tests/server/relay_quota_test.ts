/**
 * One client cannot fill the TURN relay: coturn started from deploy/turnserver.conf and Parley in
 * a network namespace of their own, where local routes make two IPv6 /64s (an attacker's and an
 * honest caller's) and a /48 (a second attacker's) this machine's, so each request can come from a
 * new address of its prefix, as it can on the internet. The attackers collect every credential
 * `check` gives them and allocate with each from fresh addresses until coturn refuses; the honest
 * caller then allocates while the attackers hold everything they got. Needs root, iproute2 and
 * coturn (CI has them).
 */
import assert from "node:assert/strict";
import { namespacesUnavailable } from "../helpers/netns.ts";
import { spawnChild } from "../helpers/process.ts";
import { requirement } from "../helpers/requirements.ts";
import { report } from "../helpers/hostile.ts";
import { ROOT_DIR, startServer } from "../helpers/server.ts";
import { TURN_USERS_PER_SITE } from "../../server/ice_servers.ts";

const NAMESPACE = "ph-relay";
/** Where Parley and coturn listen, and the address coturn relays from. */
const SERVER = "2001:db8:ff::1";
const RELAY_V4 = "10.79.0.1";
/** The attacker's /64 and the honest caller's, both under local routes in the namespace. */
const ATTACKER = "2001:db8:a1:1";
const HONEST = "2001:db8:b2:7";
/** A second attacker's /48, each of its requests from another of the site's /64s. */
const SITE = "2001:db8:c3";

async function unavailable(): Promise<string | null> {
  const namespaces = await namespacesUnavailable();
  if (namespaces) return namespaces;
  const found = await new Deno.Command("sh", { args: ["-c", "command -v turnserver"] }).output()
    .catch(() => null);
  return found?.success ? null : "coturn is not installed (apt-get install -y coturn)";
}

const needs = requirement(
  "tests/server/relay_quota_test.ts",
  "the TURN relay quota test",
  await unavailable(),
);

async function inNamespace(...command: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("ip", {
    args: ["netns", "exec", NAMESPACE, ...command],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (!success) throw new Error(`${command.join(" ")} failed: ${said}`);
  return said;
}

async function makeNamespace(): Promise<void> {
  await new Deno.Command("ip", { args: ["netns", "del", NAMESPACE], stderr: "null" }).output();
  await new Deno.Command("ip", { args: ["netns", "add", NAMESPACE] }).output();
  await inNamespace("ip", "link", "set", "lo", "up");
  await inNamespace("ip", "-6", "addr", "add", `${SERVER}/128`, "dev", "lo", "nodad");
  await inNamespace("ip", "addr", "add", `${RELAY_V4}/32`, "dev", "lo");
  for (const prefix of [ATTACKER, HONEST]) {
    await inNamespace("ip", "-6", "route", "add", "local", `${prefix}::/64`, "dev", "lo");
  }
  await inNamespace("ip", "-6", "route", "add", "local", `${SITE}::/48`, "dev", "lo");
  // Sending from any address of a local route (IPv6 needs this to bind them).
  await inNamespace("sysctl", "-qw", "net.ipv6.ip_nonlocal_bind=1");
}

/** Runs tests/helpers/relay_client.ts in the namespace from `prefix`; its figures, once held. */
async function relayClient(parley: string, prefix: string, checks: number, holdMs: number) {
  const child = spawnChild("ip", [
    "netns",
    "exec",
    NAMESPACE,
    Deno.execPath(),
    "run",
    "--allow-net",
    `${ROOT_DIR}tests/helpers/relay_client.ts`,
    parley,
    SERVER,
    "3478",
    prefix,
    String(checks),
    String(holdMs),
  ], { cwd: ROOT_DIR });
  const held = await child.waitFor(/^(\{.*\})\nholding$/m, Date.now() + 60_000);
  if (!held) {
    await child.terminate("SIGKILL");
    throw new Error(`the relay client did not get that far:\n${child.output()}`);
  }
  return {
    figures: JSON.parse(held[1]) as {
      credentials: number;
      turnUsers: number;
      allocations: number;
      longestLifetimeSeconds: number;
      refused: Record<string, number>;
    },
    done: child.exited,
    stop: () => child.terminate("SIGTERM", 1000),
  };
}

Deno.test({
  name:
    "relay: one /64, or a /48 rotating through its /64s, cannot fill coturn; an honest caller still allocates",
  ignore: needs.ignore,
  fn: async () => {
    needs.check();
    await makeNamespace();
    const secret = crypto.randomUUID();
    const pidfile = await Deno.makeTempFile({ prefix: "parley-turn-", suffix: ".pid" });
    const turn = spawnChild("ip", [
      "netns",
      "exec",
      NAMESPACE,
      "turnserver",
      "-c",
      `${ROOT_DIR}deploy/turnserver.conf`,
      // Only what differs per site; the quotas and lifetimes are the file's.
      `--static-auth-secret=${secret}`,
      `--listening-ip=${SERVER}`,
      `--relay-ip=${RELAY_V4}`,
      "--log-file=stdout",
      `--pidfile=${pidfile}`,
    ]);
    try {
      assert.ok(await turn.waitFor(/Total General servers/, Date.now() + 15_000), turn.output());
      await using parley = await startServer({
        namespace: NAMESPACE,
        host: SERVER,
        env: { TURN_URLS: `turn:[${SERVER}]:3478?transport=udp`, TURN_SECRET: secret },
      });
      const config = await Deno.readTextFile(`${ROOT_DIR}deploy/turnserver.conf`);
      const setting = (name: string) =>
        Number(new RegExp(`^${name}=(\\d+)$`, "m").exec(config)![1]);

      // Twenty checks, each from a new connection and a new address of the attacker's /64.
      const attacker = await relayClient(parley.url, ATTACKER, 20, 60_000);
      // Sixty checks from sixty /64s of one /48, all at once.
      const site = await relayClient(parley.url, SITE, 60, 60_000);
      const honest = await relayClient(parley.url, HONEST, 1, 0);
      await honest.done;
      await attacker.stop();
      await site.stop();
      report("relay attack", {
        ...attacker.figures,
        refused: JSON.stringify(attacker.figures.refused),
      });
      report("relay attack from a /48", {
        ...site.figures,
        refused: JSON.stringify(site.figures.refused),
      });
      report("honest caller", {
        ...honest.figures,
        refused: JSON.stringify(honest.figures.refused),
      });

      const { figures } = attacker;
      assert.ok(figures.credentials >= 1 && figures.credentials <= 5, `${figures.credentials}`);
      assert.equal(figures.turnUsers, 1, "every credential of the /64 names one TURN user");
      assert.ok(figures.allocations <= setting("user-quota"), `${figures.allocations} held`);
      assert.ok(figures.refused["486 Allocation Quota Reached"] >= 1, "coturn said its quota");
      assert.ok(figures.longestLifetimeSeconds <= setting("max-allocate-lifetime"));
      // A whole site's credentials name a few users, so it holds a few people's quotas at most.
      assert.ok(site.figures.turnUsers <= TURN_USERS_PER_SITE, `${site.figures.turnUsers} users`);
      assert.ok(
        site.figures.allocations <= TURN_USERS_PER_SITE * setting("user-quota"),
        `${site.figures.allocations} held from one /48`,
      );
      // The honest caller gets a whole person's quota while the attacker holds all it could.
      assert.equal(honest.figures.allocations, setting("user-quota"));
    } finally {
      await turn.terminate("SIGTERM", 3000);
      await Deno.remove(pidfile).catch(() => {});
      await new Deno.Command("ip", { args: ["netns", "del", NAMESPACE] }).output();
    }
  },
});
