/**
 * Parley on Redis beside Parley in memory, under the signaling load of `signaling.ts`: one
 * instance in memory, one instance on Redis, two instances on one Redis (each room's members on
 * different instances, so every relay crosses Redis). Server CPU sums the instances; Redis's own
 * CPU is measured apart.
 *
 * @module
 */
import { startRedis } from "../tests/helpers/redis.ts";
import { startServer } from "../tests/helpers/server.ts";
import type { Settings } from "./results.ts";
import { ONE_ADDRESS_LOAD } from "./servers.ts";
import { runLoad, type SignalingRun } from "./signaling.ts";
import { cpuSeconds } from "./stats.ts";

/** One setup's figures. */
export interface RedisRun {
  setup: "memory, 1 instance" | "Redis, 1 instance" | "Redis, 2 instances";
  instances: number;
  rooms: number;
  run: Omit<SignalingRun, "target" | "rooms" | "round">;
  /** Redis's CPU over the run, % of one core (0 in memory). */
  redisCpuPercent: number;
}

/** The three setups, at the smaller room count of `s`. */
export async function runRedis(s: Settings, log: (line: string) => void): Promise<RedisRun[]> {
  const rooms = s.rooms[0];
  await using redis = await startRedis();
  const pids = new TextDecoder().decode(
    (await new Deno.Command("pgrep", { args: ["-f", `redis-server 127.0.0.1:${redis.port}`] })
      .output()).stdout,
  ).trim().split("\n");
  const redisPid = Number(pids[0]);
  const runs: RedisRun[] = [];
  for (
    const [setup, instances, env] of [
      ["memory, 1 instance", 1, {}],
      ["Redis, 1 instance", 1, { REDIS_URL: redis.url }],
      ["Redis, 2 instances", 2, { REDIS_URL: redis.url }],
    ] as const
  ) {
    const servers = await Promise.all(
      Array.from(
        { length: instances },
        () => startServer({ env: { ...ONE_ADDRESS_LOAD, ...env } }),
      ),
    );
    const redisBefore = redisPid ? await cpuSeconds(redisPid) : 0;
    const started = performance.now();
    try {
      const run = await runLoad({
        target: "parley",
        url: servers[0].url,
        pid: servers[0].pid,
        rooms,
        warmupMs: s.warmupMs,
        durationMs: s.durationMs,
        drainMs: s.drainMs,
        instances: servers.map((server) => ({ url: server.url, pid: server.pid })),
      });
      const seconds = (performance.now() - started) / 1000;
      const redisCpu = redisPid ? (await cpuSeconds(redisPid)) - redisBefore : 0;
      const redisCpuPercent = setup.startsWith("memory")
        ? 0
        : Math.round((100 * redisCpu) / seconds);
      runs.push({ setup, instances, rooms, run, redisCpuPercent });
      log(
        `  ${setup}: ${run.negotiationsPerSecond}/s, relay p50 ${run.latencyMs.p50} ms, ` +
          `p99 ${run.latencyMs.p99} ms, ${run.serverCpuMsPerNegotiation} ms CPU/negotiation, ` +
          `lost ${run.lost}, misdelivered ${run.misdelivered}`,
      );
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  }
  return runs;
}
