/**
 * Many idle Parley clients (socket.io-client over WebSocket, two per room, each joined), run in
 * the benchmark's own process while nothing else runs:
 *
 * - capacity: connections held at rising levels, the server's memory per connection at each, and
 *   how long a fresh client takes to connect and join while they are held;
 * - rejoin: 1,000 clients whose server restarts (SIGTERM, then a new process on the same port),
 *   reconnecting with the web client's backoff and rejoining with their resume tokens: whether
 *   all get back in, and how long after the server is back.
 *
 * @module
 */
import type { Socket } from "socket.io-client";
import { ClientEvent, type JoinAck, randomToken, type SeatOutcome } from "../protocol/signaling.ts";
import { type ClientOptions, connectClient, startServer } from "../tests/helpers/server.ts";
import { ONE_ADDRESS_LOAD } from "./servers.ts";
import { now, round, rssBytes, sleep, summarize, type Summary } from "./stats.ts";

/** The web client's back-off (machines/session_machine.ts), for clients that must come back. */
const RECONNECTING: ClientOptions = {
  reconnection: true,
  reconnectionDelay: 250,
  reconnectionDelayMax: 1000,
  randomizationFactor: 0.3,
  timeoutMs: 30_000,
};

async function join(
  socket: Socket,
  room: string,
  resume?: string,
): Promise<Extract<JoinAck, { ok: true }>> {
  const request = { room, session: randomToken(9), ...(resume ? { resume } : {}) };
  const ack: JoinAck = await socket.timeout(30_000).emitWithAck(ClientEvent.join, request);
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
  return ack;
}

/** Runs `task` for indices 0..count-1, `concurrency` at a time. */
async function inBatches(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  }));
}

/** One capacity level. */
export interface CapacityLevel {
  connections: number;
  rssBytes: number;
  /** (RSS at this level − RSS with none) / connections. */
  bytesPerConnection: number;
  /** `join` to its acknowledgement, fresh clients while the level is held. */
  joinMs: Summary;
  /** Connection opened and joined, the same clients. */
  connectAndJoinMs: Summary;
  probeFailures: number;
}

/** The capacity run. */
export interface CapacityResult {
  baselineRssBytes: number;
  /** Join with nothing else connected. */
  unloadedJoinMs: Summary;
  levels: CapacityLevel[];
  maxHeld: number;
  /** Held connections that dropped, counted after the top level was held `holdMs` more. */
  drops: number;
  holdMs: number;
}

/** Holds `levels` connections in turn against a fresh server, probing joins at each. */
export async function runCapacity(
  levels: number[],
  probes: number,
  holdMs: number,
  log: (line: string) => void,
): Promise<CapacityResult> {
  const server = await startServer({ env: ONE_ADDRESS_LOAD });
  const held: Socket[] = [];
  let drops = 0;
  const probe = async () => {
    const joins: number[] = [];
    const both: number[] = [];
    let failures = 0;
    const rooms = Array.from({ length: probes }, () => randomToken(16));
    await inBatches(probes, 4, async (i) => {
      const t0 = now();
      try {
        const socket = await connectClient(server.url, { timeoutMs: 30_000 });
        const t1 = now();
        await join(socket, rooms[i >> 1]);
        joins.push(now() - t1);
        both.push(now() - t0);
        socket.disconnect();
      } catch {
        failures++;
      }
    });
    return { joinMs: summarize(joins), connectAndJoinMs: summarize(both), probeFailures: failures };
  };
  try {
    await sleep(1000);
    const result: CapacityResult = {
      baselineRssBytes: await rssBytes(server.pid),
      unloadedJoinMs: (await probe()).joinMs,
      levels: [],
      maxHeld: 0,
      drops: 0,
      holdMs,
    };
    for (const level of levels) {
      const started = now();
      await inBatches(level - held.length, 50, async () => {
        const socket = await connectClient(server.url, { timeoutMs: 30_000 });
        const index = held.push(socket) - 1;
        socket.on("disconnect", (reason) => reason !== "io client disconnect" && drops++);
        // Rooms of two: connections 2k and 2k + 1 share one.
        await join(socket, `capacity-${String(index >> 1).padStart(8, "0")}`);
      });
      result.maxHeld = held.length;
      const rampS = round((now() - started) / 1000);
      await sleep(2000);
      const rss = await rssBytes(server.pid);
      const probed = await probe();
      const bytesPerConnection = Math.round((rss - result.baselineRssBytes) / held.length);
      result.levels.push({
        connections: held.length,
        rssBytes: rss,
        bytesPerConnection,
        ...probed,
      });
      log(
        `  ${held.length} held (+${rampS} s), server RSS ${Math.round(rss / 2 ** 20)} MiB, join ` +
          `p50 ${probed.joinMs.p50} ms p99 ${probed.joinMs.p99} ms`,
      );
    }
    await sleep(holdMs);
    result.drops = drops;
    return result;
  } finally {
    await server.stop();
    for (const socket of held) socket.disconnect();
  }
}

/** The rejoin run. */
export interface RejoinResult {
  clients: number;
  /** Clients joined again after the restart, within the wait. */
  rejoined: number;
  /** What the rejoins were told became of their seats. */
  seats: Partial<Record<SeatOutcome, number>>;
  /** SIGTERM sent to the new server listening. */
  downMs: number;
  /** New server listening to each client joined again. */
  rejoinMs: Summary;
  /** The same, until both members of a room were back. */
  roomMs: Summary;
}

/** Joins `clients` clients, restarts the server, and times their return. */
export async function runRejoin(clients: number, waitMs: number): Promise<RejoinResult> {
  let server = await startServer({ env: ONE_ADDRESS_LOAD });
  const sockets: Socket[] = [];
  const rejoinedAt: number[] = [];
  const seats: RejoinResult["seats"] = {};
  try {
    let restarted = false;
    await inBatches(clients, 50, async (i) => {
      const room = `bench-rejoin-${randomToken(9)}-${i >> 1}`.slice(0, 40);
      const socket = await connectClient(server.url, RECONNECTING);
      sockets.push(socket);
      let resume = (await join(socket, room)).resume;
      socket.on("disconnect", (reason) => {
        // The server closed it on purpose; the web client would not wait for its backoff either.
        if (reason === "io server disconnect") socket.connect();
      });
      socket.on("connect", async () => {
        if (!restarted) return;
        const ack = await join(socket, room, resume).catch(() => null);
        if (!ack?.ok) return;
        resume = ack.resume;
        if (rejoinedAt[i]) return;
        rejoinedAt[i] = now();
        seats[ack.seat] = (seats[ack.seat] ?? 0) + 1;
      });
    });
    const stoppedAt = now();
    restarted = true;
    await server.stop();
    server = await startServer({ port: server.port, env: ONE_ADDRESS_LOAD });
    const backAt = now();
    const deadline = backAt + waitMs;
    while (rejoinedAt.filter(Boolean).length < clients && now() < deadline) await sleep(50);
    const back = (i: number) => rejoinedAt[i] - backAt;
    const times = [...rejoinedAt.keys()].filter((i) => rejoinedAt[i]).map(back);
    const rooms = [];
    for (let i = 0; i + 1 < clients; i += 2) {
      if (rejoinedAt[i] && rejoinedAt[i + 1]) rooms.push(Math.max(back(i), back(i + 1)));
    }
    return {
      clients,
      rejoined: times.length,
      seats,
      downMs: round(backAt - stoppedAt),
      rejoinMs: summarize(times),
      roomMs: summarize(rooms),
    };
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}
