/**
 * Signaling throughput and latency of one server at one room count. {@linkcode runSignaling}
 * starts the server and this module again as the load generator, a process of its own so it never
 * shares an event loop with the server it measures.
 *
 * The load: `rooms` pairs of clients, each pair negotiating over and over as a call does (the
 * offerer sends an offer and ten candidates, the answerer an answer and ten candidates; when both
 * sides hold everything the next negotiation starts). Every receipt is checked against the room
 * and sender its tag names, and timed. Over the measurement window the generator reads the CPU
 * time of the server, of itself and of the whole machine from /proc. Clients: socket.io-client
 * over WebSocket for Parley (`join`, then `signal` without acknowledgements, as the web client
 * sends them) and the tutorial (`signalingMessage`, as its page does); npm:ws for the bare relay.
 *
 * @module
 */
import type { Socket } from "socket.io-client";
import { WebSocket } from "ws";
import { ClientEvent, type JoinAck, randomToken, ServerEvent } from "../protocol/signaling.ts";
import type { SignalMessage } from "../protocol/signaling.ts";
import { connectClient, ROOT_DIR } from "../tests/helpers/server.ts";
import { candidate, CANDIDATES_PER_SIDE, description, isOffer, tagOf } from "./payloads.ts";
import { MESSAGES_PER_SIDE } from "./payloads.ts";
import { startTarget, type Target } from "./servers.ts";
import { cpuSeconds, machineBusySeconds, now, round, rssBytes, sleep } from "./stats.ts";
import { summarize, type Summary } from "./stats.ts";

/** How long each phase of a run lasts. */
export interface Timing {
  warmupMs: number;
  durationMs: number;
  /** Longest wait, after the window, for negotiations in flight. */
  drainMs: number;
}

/** One server at one room count; counts cover the whole run, rates and times the window. */
export interface SignalingRun {
  target: Target;
  rooms: number;
  round: number;
  negotiationsPerSecond: number;
  /** Send to receipt by the intended peer. */
  latencyMs: Summary;
  /** Offer sent to both sides holding everything. */
  negotiationMs: Summary;
  sent: number;
  /** Sent but never received by the intended peer once the drain ended. */
  lost: number;
  /** Received by anyone but the intended peer. */
  misdelivered: number;
  /** Connections that dropped during the run. */
  drops: number;
  /** CPU, % of one core (200 would be both cores of a 2-core machine). */
  serverCpuPercent: number;
  loadCpuPercent: number;
  /** The rest of the machine: other work on the same cores. */
  otherCpuPercent: number;
  serverCpuMsPerNegotiation: number;
  serverRssBytes: number;
  /** Set when the run failed; the figures are then missing. */
  error?: string;
}

/** Runs the load against a fresh `target` with `rooms` rooms. */
export async function runSignaling(
  target: Target,
  rooms: number,
  roundNo: number,
  { warmupMs, durationMs, drainMs }: Timing,
): Promise<SignalingRun> {
  const server = await startTarget(target);
  const config = { target, rooms, url: server.url, pid: server.pid, warmupMs, durationMs, drainMs };
  try {
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      // All: reading another process's /proc entries needs every permission in Deno.
      args: ["run", "--allow-all", "bench/signaling.ts"],
      cwd: ROOT_DIR,
      env: { BENCH_LOAD: JSON.stringify(config) },
      stderr: "inherit",
      signal: AbortSignal.timeout(60_000 + warmupMs + durationMs + drainMs + rooms * 20),
    }).output();
    const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
    const result = success && line.startsWith("{") ? JSON.parse(line) : { error: "no result" };
    return { target, rooms, round: roundNo, ...result };
  } catch (error) {
    return { target, rooms, round: roundNo, error: String(error) } as SignalingRun;
  } finally {
    await server.stop();
  }
}

/** A connected, joined client of any of the three servers. */
interface Client {
  send(signal: SignalMessage): void;
  onSignal: (signal: unknown) => void;
}

async function connect(target: Target, url: string, room: string, drop: () => void) {
  const client: Client = { send: () => {}, onSignal: () => {} };
  if (target === "bare") {
    // npm:ws sets TCP_NODELAY as socket.io-client's transport does; Deno's own WebSocket leaves
    // Nagle on, which holds back a second frame sent in a row by ~40 ms.
    const socket = new WebSocket(`${url.replace("http", "ws")}/?room=${room}`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    socket.on("message", (data) => client.onSignal(JSON.parse(String(data))));
    socket.on("close", drop);
    client.send = (signal) => socket.send(JSON.stringify(signal));
    return client;
  }
  const socket: Socket = await connectClient(url, { timeoutMs: 30_000 });
  socket.on("disconnect", drop);
  if (target === "tutorial") {
    // The tutorial's shape: { type: "offer", offer }, { type: "candidate", candidate }.
    client.send = (signal) => {
      const type = "description" in signal ? signal.description.type : "candidate";
      socket.emit("signalingMessage", { type, [type]: Object.values(signal)[0] });
    };
    socket.on("signalingMessage", (message: Record<string, unknown>) => {
      const value = message?.[String(message?.type)];
      client.onSignal(
        message?.type === "candidate" ? { candidate: value } : { description: value },
      );
    });
    return client;
  }
  const join = { room, session: randomToken(9) };
  const ack: JoinAck = await socket.timeout(30_000).emitWithAck(ClientEvent.join, join);
  if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
  client.send = (signal) => socket.emit(ClientEvent.signal, signal);
  socket.on(ServerEvent.signal, (signal: unknown) => client.onSignal(signal));
  return client;
}

/** The load generator's side: runs `config` and measures it. */
export async function runLoad(
  config: Timing & {
    target: Target;
    url: string;
    pid: number;
    rooms: number;
    /** Several instances (Redis): each room's second member connects to the next one. */
    instances?: Array<{ url: string; pid: number }>;
  },
): Promise<Omit<SignalingRun, "target" | "rooms" | "round">> {
  const c = { sent: 0, delivered: 0, misdelivered: 0, drops: 0, negotiations: 0 };
  const latencies: number[] = [];
  const negotiationTimes: number[] = [];
  let measuring = false;
  let running = true;
  const busy = new Set<string>();
  const pairs: Array<() => void> = [];
  const openPair = async () => {
    const room = randomToken(16);
    const urls = config.instances?.map((i) => i.url) ?? [config.url];
    const a = await connect(config.target, urls[0], room, () => c.drops++);
    const b = await connect(config.target, urls[1 % urls.length], room, () => c.drops++);
    const seq = { a: 0, b: 0 };
    const lastSeen = { a: 0, b: 0 };
    let got = { a: 0, b: 0 };
    let startedAt = 0;
    const sendSide = (side: "a" | "b", type: "offer" | "answer") => {
      const tag = () => ({ room, sender: side, seq: ++seq[side], sentAt: now() });
      const messages = [description(type, tag())];
      for (let i = 0; i < CANDIDATES_PER_SIDE; i++) messages.push(candidate(i, tag()));
      for (const message of messages) (side === "a" ? a : b).send(message);
      c.sent += messages.length;
    };
    const start = () => {
      busy.add(room);
      got = { a: 0, b: 0 };
      startedAt = now();
      sendSide("a", "offer");
    };
    const receive = (me: "a" | "b", signal: unknown) => {
      const tag = tagOf(signal);
      // Another room's message, the sender's own, or a repeat: the relay sent it where it must not.
      if (!tag || tag.room !== room || tag.sender === me || tag.seq <= lastSeen[me]) {
        return c.misdelivered++;
      }
      lastSeen[me] = tag.seq;
      c.delivered++;
      const at = now();
      if (measuring) latencies.push(at - tag.sentAt);
      got[me]++;
      if (me === "b" && isOffer(signal)) sendSide("b", "answer");
      if (got.a === MESSAGES_PER_SIDE && got.b === MESSAGES_PER_SIDE) {
        busy.delete(room);
        if (measuring) c.negotiations++, negotiationTimes.push(at - startedAt);
        if (running) start();
      }
    };
    a.onSignal = (signal) => receive("a", signal);
    b.onSignal = (signal) => receive("b", signal);
    pairs.push(start);
  };

  let opened = 0;
  // 50 at a time: socket.io's handshakes queue up on both event loops beyond that.
  await Promise.all(Array.from({ length: Math.min(50, config.rooms) }, async () => {
    while (opened++ < config.rooms) await openPair();
  }));
  for (const start of pairs) start();
  await sleep(config.warmupMs);
  const sample = async () => ({
    server: (await Promise.all((config.instances ?? [config]).map((i) => cpuSeconds(i.pid))))
      .reduce((sum, seconds) => sum + seconds, 0),
    load: await cpuSeconds("self"),
    machine: await machineBusySeconds(),
    at: now(),
  });
  const before = await sample();
  measuring = true;
  await sleep(config.durationMs);
  measuring = running = false;
  const after = await sample();
  const serverRssBytes = await rssBytes(config.pid);
  const drainStart = now();
  while (busy.size > 0 && now() - drainStart < config.drainMs) await sleep(50);

  const seconds = (after.at - before.at) / 1000;
  const percent = (cpu: number) => round((100 * cpu) / seconds);
  const server = after.server - before.server;
  const load = after.load - before.load;
  const negotiationsPerSecond = round(c.negotiations / seconds);
  return {
    negotiationsPerSecond,
    latencyMs: summarize(latencies),
    negotiationMs: summarize(negotiationTimes),
    sent: c.sent,
    lost: c.sent - c.delivered,
    misdelivered: c.misdelivered,
    drops: c.drops,
    serverCpuPercent: percent(server),
    loadCpuPercent: percent(load),
    otherCpuPercent: percent(Math.max(0, after.machine - before.machine - server - load)),
    serverCpuMsPerNegotiation: round((1000 * server) / c.negotiations, 2),
    serverRssBytes,
  };
}

if (import.meta.main) {
  const result = await runLoad(JSON.parse(Deno.env.get("BENCH_LOAD")!)).catch((error) => ({
    error: String(error),
  }));
  console.log(JSON.stringify(result));
  // Thousands of sockets: leave without closing them one by one; the server is stopped next.
  Deno.exit(0);
}
