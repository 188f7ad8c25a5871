/**
 * Load generator for the capacity benchmark, run as its own process: opens idle Parley
 * connections, two per room, each joined, up to each level in turn (1,000, 5,000, 10,000), holds
 * them, and at each level times fresh clients connecting and joining while the others are held.
 *
 * Progress and results are JSON lines on stdout for `capacity_bench.ts`: at each level
 * `{"phase":"held","connections":N}` (after which it stays quiet for `quietMs` so the server's
 * memory can be read), then `{"phase":"probed","connections":N,"joinMs":{...},...}`; finally
 * `{"phase":"done","drops":D}` once the last level has been held `finalHoldMs` more.
 *
 * Run: `deno run -A bench/capacity_load.ts '<CapacityConfig as JSON>'`
 *
 * @module
 */
import { io, type Socket } from "socket.io-client";
import { ClientEvent, type JoinAck, randomToken } from "../protocol/signaling.ts";
import { now } from "./payloads.ts";
import { round, summarize } from "./stats.ts";

/** What to run. */
export interface CapacityConfig {
  /** Parley's base URL. */
  url: string;
  /** Connection counts to hold, ascending. */
  levels: number[];
  /** Clients connecting at once while building up a level. */
  connectConcurrency: number;
  /** Fresh clients timed at each level. */
  probes: number;
  /** Probes connecting at once. */
  probeConcurrency: number;
  /** Pause after reaching a level, before it is reported held (lets the server settle). */
  settleMs: number;
  /** Silence after reporting a level held, while the server's memory is read. */
  quietMs: number;
  /** How long the last level is held before the drops are counted (heartbeats keep running). */
  finalHoldMs: number;
}

function connect(url: string): Promise<Socket> {
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: 30_000,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
}

async function join(socket: Socket, room: string): Promise<void> {
  const ack = await socket.timeout(30_000).emitWithAck(ClientEvent.join, {
    room,
    session: randomToken(9),
  }) as JoinAck;
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
}

/** Runs the levels in `config`; `report` receives the JSON lines. */
export async function runCapacity(
  config: CapacityConfig,
  report: (line: Record<string, unknown>) => void,
): Promise<void> {
  const held: Socket[] = [];
  let drops = 0;
  let opened = 0;
  let room = "";
  const openOne = async () => {
    // Rooms of two: every second connection starts a new room.
    if (opened++ % 2 === 0) room = randomToken(16);
    const ownRoom = room;
    const socket = await connect(config.url);
    held.push(socket);
    await join(socket, ownRoom);
    socket.on("disconnect", (reason) => {
      if (reason !== "io client disconnect") drops++;
    });
  };

  for (const level of config.levels) {
    const started = now();
    let failures = 0;
    let lastError = "";
    // Socket.io's handshake runs on one event loop per side; batches keep it from queueing.
    while (held.length < level && failures < 100) {
      const batch = Math.min(config.connectConcurrency, level - held.length);
      const results = await Promise.allSettled(Array.from({ length: batch }, openOne));
      for (const result of results) {
        if (result.status === "rejected") {
          failures++;
          lastError = String(result.reason);
        }
      }
    }
    const rampMs = now() - started;
    await sleep(config.settleMs);
    report({ phase: "held", connections: held.length, rampMs: round(rampMs), drops, failures });
    await sleep(config.quietMs);
    if (held.length < level) {
      report({ phase: "failed", connections: held.length, error: lastError });
      return;
    }
    report({ phase: "probed", connections: held.length, ...await probe(config), drops });
  }
  await sleep(config.finalHoldMs);
  report({ phase: "done", connections: held.length, heldMs: config.finalHoldMs, drops });
}

/** Times `config.probes` fresh clients: connect, then join (pairs share a room), then leave. */
async function probe(config: CapacityConfig): Promise<Record<string, unknown>> {
  const joinTimes: number[] = [];
  const connectJoinTimes: number[] = [];
  let failures = 0;
  let next = 0;
  const rooms = Array.from({ length: Math.ceil(config.probes / 2) }, () => randomToken(16));
  await Promise.all(Array.from({ length: config.probeConcurrency }, async () => {
    while (next < config.probes) {
      const index = next++;
      const t0 = now();
      try {
        const socket = await connect(config.url);
        const t1 = now();
        await join(socket, rooms[Math.floor(index / 2)]);
        const t2 = now();
        joinTimes.push(t2 - t1);
        connectJoinTimes.push(t2 - t0);
        await socket.timeout(30_000).emitWithAck(ClientEvent.leave, {});
        socket.close();
      } catch {
        failures++;
      }
    }
  }));
  return {
    joinMs: summarize(joinTimes),
    connectAndJoinMs: summarize(connectJoinTimes),
    probeFailures: failures,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0]) as CapacityConfig;
  const line = (value: Record<string, unknown>) => console.log(JSON.stringify(value));
  try {
    await runCapacity(config, line);
  } catch (error) {
    line({ phase: "failed", error: String(error) });
  }
  Deno.exit(0);
}
