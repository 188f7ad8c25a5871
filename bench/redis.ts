/**
 * Parley on Redis beside Parley in memory, same load as the signaling part of the bench: one
 * instance in memory, one instance on Redis, two instances on one Redis (each room's members on
 * different instances, so every relay crosses Redis). Server CPU sums the instances (Redis's own
 * CPU is not counted: it is printed apart).
 *
 *   deno task build && deno run --allow-all bench/redis.ts [--rooms=200] [--seconds=10]
 *
 * The load generator runs in this process, so keep the room count modest on a small machine.
 *
 * @module
 */
import { startRedis } from "../tests/helpers/redis.ts";
import { startServer } from "../tests/helpers/server.ts";
import { ONE_ADDRESS_LOAD } from "./servers.ts";
import { runLoad } from "./signaling.ts";
import { cpuSeconds } from "./stats.ts";

const arg = (name: string, fallback: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const rooms = arg("rooms", 200);
const durationMs = arg("seconds", 10) * 1000;

await using redis = await startRedis();
const redisPid = Number(
  new TextDecoder().decode(
    (await new Deno.Command("pgrep", { args: ["-f", `redis-server 127.0.0.1:${redis.port}`] })
      .output()).stdout,
  ).trim().split("\n")[0],
);
const rows: string[] = [];
for (
  const [label, count, env] of [
    ["memory, 1 instance", 1, {}],
    ["Redis, 1 instance", 1, { REDIS_URL: redis.url }],
    ["Redis, 2 instances", 2, { REDIS_URL: redis.url }],
  ] as const
) {
  const servers = await Promise.all(
    Array.from({ length: count }, () => startServer({ env: { ...ONE_ADDRESS_LOAD, ...env } })),
  );
  const redisBefore = redisPid ? await cpuSeconds(redisPid) : 0;
  const result = await runLoad({
    target: "parley",
    url: servers[0].url,
    pid: servers[0].pid,
    rooms,
    warmupMs: 2000,
    durationMs,
    drainMs: 5000,
    instances: servers.map((s) => ({ url: s.url, pid: s.pid })),
  });
  const redisCpu = redisPid ? (await cpuSeconds(redisPid)) - redisBefore : 0;
  await Promise.all(servers.map((s) => s.stop()));
  rows.push(
    `| ${label} | ${result.negotiationsPerSecond} | ${result.latencyMs.p50} | ${result.latencyMs.p99} | ` +
      `${result.serverCpuMsPerNegotiation} | ${result.serverCpuPercent} | ` +
      `${
        Math.round((100 * redisCpu) / ((durationMs + 7000) / 1000))
      } | ${result.sent} | ${result.lost} | ${result.misdelivered} |`,
  );
  console.error(`${label}: done`);
}
console.log(`${rooms} rooms, ${durationMs / 1000} s window\n`);
console.log(
  "| setup | negotiations/s | relay p50 ms | relay p99 ms | server CPU ms/negotiation | server CPU % | Redis CPU % | sent | lost | misdelivered |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
Deno.exit(0);
