/**
 * Load generator for the signaling benchmark, run as its own process so that it never shares an
 * event loop with the server it measures.
 *
 * It connects `rooms` pairs of clients; each pair negotiates over and over, as a call does: the
 * offerer sends an offer and ten candidates, the answerer answers the offer and sends ten
 * candidates, and when both sides have everything the next negotiation starts. Every message is
 * tagged (see `payloads.ts`), so each receipt is checked against the room and sender it was meant
 * for, and timed.
 *
 * Phases: connect, warm up, measure (`durationMs`), then stop starting negotiations and drain
 * (at most `drainMs`). Progress and the result are JSON lines on stdout, for `signaling_bench.ts`:
 * `{"phase":"measuring"}`, `{"phase":"measured"}`, `{"phase":"done","result":{...}}`.
 *
 * Run: `deno run -A bench/signaling_load.ts '<LoadConfig as JSON>'`
 *
 * @module
 */
import { randomToken } from "../protocol/signaling.ts";
import {
  candidate,
  CANDIDATES_PER_SIDE,
  description,
  isDescription,
  MESSAGES_PER_SIDE,
  now,
  type Signal,
  tagOf,
} from "./payloads.ts";
import { connectClient, type SignalClient, type Target } from "./signal_clients.ts";
import { round, summarize, type Summary } from "./stats.ts";

/** What to run. */
export interface LoadConfig {
  target: Target;
  /** Server base URL. */
  url: string;
  /** Concurrent rooms (pairs of clients). */
  rooms: number;
  warmupMs: number;
  durationMs: number;
  /** Longest wait, after the window, for negotiations in flight to complete. */
  drainMs: number;
  /** Clients connecting at once while setting up. */
  connectConcurrency: number;
}

/** What was measured. Counts cover the whole run unless they say "window". */
export interface LoadResult {
  target: Target;
  rooms: number;
  clients: number;
  connectMs: number;
  /** Length of the measurement window as it happened. */
  windowMs: number;
  /** Negotiations completed inside the window. */
  windowNegotiations: number;
  negotiationsPerSecond: number;
  /** Relay latency (send to receipt by the intended peer), messages received in the window. */
  latencyMs: Summary;
  /** Offer sent to both sides holding everything, negotiations completed in the window. */
  negotiationMs: Summary;
  /** Messages sent, whole run. */
  sent: number;
  /** Received once by the intended peer. */
  delivered: number;
  /** Sent but never received by the intended peer, once the drain ended. */
  lost: number;
  /** Received by a client other than the intended peer (other room, or the sender itself). */
  misdelivered: number;
  duplicates: number;
  /** Received by the intended peer out of sequence. */
  outOfOrder: number;
  /** Received without a readable tag. */
  untagged: number;
  /** Connections that dropped during the run. */
  drops: number;
  /** Why they dropped, as the client library tells it. */
  dropReasons: Record<string, number>;
  /** Pairs still mid-negotiation when the drain gave up. */
  stalledPairs: number;
  /** Whether every negotiation in flight completed before the drain limit. */
  drained: boolean;
}

interface Counters {
  sent: number;
  delivered: number;
  misdelivered: number;
  duplicates: number;
  outOfOrder: number;
  untagged: number;
  drops: number;
  dropReasons: Record<string, number>;
  windowNegotiations: number;
  latencies: number[];
  negotiationTimes: number[];
  measuring: boolean;
}

/** One room: an offerer `a` and an answerer `b`, negotiating in a loop while `running()`. */
class Pair {
  busy = false;
  #seq = { a: 0, b: 0 };
  #lastSeen = { a: 0, b: 0 };
  #got = { a: 0, b: 0 };
  #startedAt = 0;

  constructor(
    readonly room: string,
    readonly a: SignalClient,
    readonly b: SignalClient,
    readonly counters: Counters,
    readonly running: () => boolean,
  ) {
    a.onSignal = (signal) => this.#receive("a", signal);
    b.onSignal = (signal) => this.#receive("b", signal);
    const drop = (reason: string) => {
      counters.drops++;
      counters.dropReasons[reason] = (counters.dropReasons[reason] ?? 0) + 1;
    };
    a.onDrop = drop;
    b.onDrop = drop;
  }

  start(): void {
    this.busy = true;
    this.#got = { a: 0, b: 0 };
    this.#startedAt = now();
    this.#sendSide("a", "offer");
  }

  #sendSide(side: "a" | "b", type: "offer" | "answer"): void {
    const client = side === "a" ? this.a : this.b;
    const tag = () => ({ room: this.room, sender: side, seq: ++this.#seq[side], sentAt: now() });
    this.#send(client, description(type, tag()));
    for (let i = 0; i < CANDIDATES_PER_SIDE; i++) this.#send(client, candidate(i, tag()));
  }

  #send(client: SignalClient, signal: Signal): void {
    this.counters.sent++;
    client.send(signal);
  }

  #receive(me: "a" | "b", signal: unknown): void {
    const c = this.counters;
    const tag = tagOf(signal);
    if (!tag) {
      c.untagged++;
      return;
    }
    if (tag.room !== this.room || tag.sender === me) {
      c.misdelivered++;
      return;
    }
    if (tag.seq <= this.#lastSeen[me]) {
      c.duplicates++;
      return;
    }
    if (tag.seq !== this.#lastSeen[me] + 1) c.outOfOrder++;
    this.#lastSeen[me] = tag.seq;
    c.delivered++;
    const at = now();
    if (c.measuring) c.latencies.push(at - tag.sentAt);
    this.#got[me]++;
    if (me === "b" && isDescription(signal, "offer")) this.#sendSide("b", "answer");
    if (this.#got.a === MESSAGES_PER_SIDE && this.#got.b === MESSAGES_PER_SIDE) {
      this.busy = false;
      if (c.measuring) {
        c.windowNegotiations++;
        c.negotiationTimes.push(at - this.#startedAt);
      }
      if (this.running()) this.start();
    }
  }
}

/** Runs the load described by `config`; `report` receives the phase lines. */
export async function runLoad(
  config: LoadConfig,
  report: (line: Record<string, unknown>) => void,
): Promise<LoadResult> {
  const counters: Counters = {
    sent: 0,
    delivered: 0,
    misdelivered: 0,
    duplicates: 0,
    outOfOrder: 0,
    untagged: 0,
    drops: 0,
    dropReasons: {},
    windowNegotiations: 0,
    latencies: [],
    negotiationTimes: [],
    measuring: false,
  };
  let running = true;
  const connectStart = now();
  const pairs: Pair[] = [];
  const clients: SignalClient[] = [];
  const connect = async () => {
    const room = randomToken(16);
    const options = { url: config.url, room };
    const a = await connectClient(config.target, { ...options, session: randomToken(9) });
    clients.push(a);
    const b = await connectClient(config.target, { ...options, session: randomToken(9) });
    clients.push(b);
    pairs.push(new Pair(room, a, b, counters, () => running));
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(config.connectConcurrency, config.rooms) }, async () => {
      while (next < config.rooms) {
        next++;
        await connect();
      }
    }),
  );
  const connectMs = now() - connectStart;
  report({ phase: "connected", clients: clients.length, connectMs });

  for (const pair of pairs) pair.start();
  await sleep(config.warmupMs);
  counters.measuring = true;
  const windowStart = now();
  report({ phase: "measuring" });
  await sleep(config.durationMs);
  counters.measuring = false;
  running = false;
  const windowMs = now() - windowStart;
  report({ phase: "measured" });

  const drainStart = now();
  while (pairs.some((p) => p.busy) && now() - drainStart < config.drainMs) await sleep(50);
  const stalledPairs = pairs.filter((p) => p.busy).length;

  return {
    target: config.target,
    rooms: config.rooms,
    clients: clients.length,
    connectMs: round(connectMs),
    windowMs: round(windowMs),
    windowNegotiations: counters.windowNegotiations,
    negotiationsPerSecond: round(counters.windowNegotiations / (windowMs / 1000)),
    latencyMs: summarize(counters.latencies),
    negotiationMs: summarize(counters.negotiationTimes),
    sent: counters.sent,
    delivered: counters.delivered,
    lost: counters.sent - counters.delivered,
    misdelivered: counters.misdelivered,
    duplicates: counters.duplicates,
    outOfOrder: counters.outOfOrder,
    untagged: counters.untagged,
    drops: counters.drops,
    dropReasons: counters.dropReasons,
    stalledPairs,
    drained: stalledPairs === 0,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.main) {
  const config = JSON.parse(Deno.args[0]) as LoadConfig;
  const line = (value: Record<string, unknown>) => console.log(JSON.stringify(value));
  try {
    const result = await runLoad(config, line);
    line({ phase: "done", result });
  } catch (error) {
    line({ phase: "failed", error: String(error) });
  }
  // Thousands of sockets: leave without closing them one by one; the server is stopped next.
  Deno.exit(0);
}
