/**
 * The capacity benchmark: idle connections held by one Parley server at 1,000, 5,000 and 10,000,
 * the server's memory per connection at each level, and how long a fresh client takes to connect
 * and join while they are held. The clients run in their own process (`capacity_load.ts`).
 *
 * @module
 */
import { memory } from "./proc_stats.ts";
import { RAISE_FD_LIMIT, readLines, ROOT, startServer } from "./servers.ts";
import type { CapacityConfig } from "./capacity_load.ts";
import type { Summary } from "./stats.ts";

/** Options for {@linkcode runCapacityBench}. */
export interface CapacityOptions {
  levels: number[];
  probes: number;
  /** How long the last level is held, heartbeats running, before drops are counted. */
  finalHoldMs: number;
  log: (line: string) => void;
}

/** One level. */
export interface CapacityLevel {
  connections: number;
  /** Time to open and join the connections added for this level. */
  rampMs: number;
  rssBytes: number;
  /** (RSS at this level − RSS with no connections) / connections. */
  bytesPerConnection: number;
  /** `join` sent to its acknowledgement, fresh clients while the level is held. */
  joinMs: Summary | null;
  /** Connection opened and joined, the same clients. */
  connectAndJoinMs: Summary | null;
  probeFailures: number;
  /** Held connections lost so far. */
  drops: number;
}

/** The whole capacity run. */
export interface CapacityResult {
  baselineRssBytes: number;
  /** Join latency with nothing else connected. */
  unloadedJoinMs: Summary | null;
  levels: CapacityLevel[];
  /** Most connections held at once. */
  maxHeld: number;
  /** Held connections that dropped during the run. */
  drops: number;
  /** How long the last level was held after its probes. */
  finalHoldMs: number;
  error?: string;
}

/** Runs the capacity benchmark against a fresh Parley server. */
export async function runCapacityBench(options: CapacityOptions): Promise<CapacityResult> {
  const result: CapacityResult = {
    baselineRssBytes: 0,
    unloadedJoinMs: null,
    levels: [],
    maxHeld: 0,
    drops: 0,
    finalHoldMs: options.finalHoldMs,
  };
  const server = await startServer("parley");
  try {
    const config: CapacityConfig = {
      url: server.url,
      levels: [0, ...options.levels],
      connectConcurrency: 50,
      probes: options.probes,
      probeConcurrency: 4,
      settleMs: 2000,
      quietMs: 500,
      finalHoldMs: options.finalHoldMs,
    };
    const child = new Deno.Command("sh", {
      // Each connection is a file descriptor on both sides; take the hard limit.
      args: [
        "-c",
        RAISE_FD_LIMIT,
        Deno.execPath(),
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "--allow-read",
        "bench/capacity_load.ts",
        JSON.stringify(config),
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const limitMs = 240_000;
    const killer = setTimeout(() => {
      result.error = `abandoned after ${limitMs / 1000} s`;
      child.kill("SIGKILL");
    }, limitMs);
    let rss = 0;
    let rampMs = 0;
    const lines = readLines(child.stdout);
    for await (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      const connections = Number(line.connections ?? 0);
      if (line.phase === "held") {
        rss = (await memory(server.pid)).rssBytes;
        rampMs = Number(line.rampMs ?? 0);
        result.maxHeld = Math.max(result.maxHeld, connections);
        if (connections === 0) result.baselineRssBytes = rss;
        else {
          options.log(
            `  ${connections} connections held (+${Math.round(rampMs / 1000)} s), ` +
              `server RSS ${Math.round(rss / 2 ** 20)} MiB`,
          );
        }
      } else if (line.phase === "probed") {
        const joinMs = (line.joinMs as Summary) ?? null;
        if (connections === 0) {
          result.unloadedJoinMs = joinMs;
          continue;
        }
        result.levels.push({
          connections,
          rampMs,
          rssBytes: rss,
          bytesPerConnection: Math.round((rss - result.baselineRssBytes) / connections),
          joinMs,
          connectAndJoinMs: (line.connectAndJoinMs as Summary) ?? null,
          probeFailures: Number(line.probeFailures ?? 0),
          drops: Number(line.drops ?? 0),
        });
        options.log(`  join under ${connections}: p50 ${joinMs?.p50} ms, p99 ${joinMs?.p99} ms`);
      } else if (line.phase === "done") {
        result.drops = Number(line.drops ?? 0);
      } else if (line.phase === "failed") {
        result.error = `stopped at ${connections} connections: ${line.error}`;
      }
    }
    await child.status;
    clearTimeout(killer);
  } catch (error) {
    result.error = String(error);
  } finally {
    await server.stop();
  }
  return result;
}
