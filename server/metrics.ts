/**
 * Parley's Prometheus metrics (`GET /metrics`), through `prom-client`, the maintained Node client
 * (it runs under Deno; its default process metrics do not: Deno has no `monitorEventLoopDelay`
 * and the start task may not read /proc, so the event-loop lag is measured here by a timer).
 *
 * Labels are small fixed sets (outcomes, reasons): never a room id, session id or address.
 *
 * @module
 */
import client from "prom-client";

/** The counters and gauges signaling moves, and the registry that renders them. */
export interface Metrics {
  registry: client.Registry;
  /** Signaling connections open now. */
  connections: client.Gauge;
  /** `join`s by outcome: new, resumed, expired, room-full, unavailable, rate-limited, invalid... */
  joins: client.Counter<"outcome">;
  /** Signals relayed to the other member. */
  signalsRelayed: client.Counter;
  /** Signals refused, by error code (rate-limited, peer-behind, not-joined, invalid-message). */
  signalsRefused: client.Counter<"reason">;
  /** Joins that took back a held seat (a reconnection, on this instance or from another). */
  reconnects: client.Counter;
  /** Held seats whose grace ran out. */
  seatsExpired: client.Counter;
  /** Stops the event-loop lag timer. */
  close(): void;
}

/** Options for {@linkcode createMetrics}. */
export interface MetricsOptions {
  /** Rooms with a seat taken, read at each scrape. */
  rooms: () => Promise<number>;
  /** Whether the store can serve joins (Redis reachable and taking writes), at each scrape. */
  ready: () => boolean;
  /** `memory` or `redis`, as a constant label of `parley_info`. */
  store: string;
}

/** How often the event loop's lag is sampled. */
const LAG_SAMPLE_MS = 500;

/** Makes Parley's metrics in a registry of their own (so tests can make several). */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new client.Registry();
  const registers = [registry];
  new client.Gauge({
    name: "parley_info",
    help: "Always 1; the label says where rooms are kept.",
    labelNames: ["store"],
    registers,
  }).set({ store: options.store }, 1);
  const connections = new client.Gauge({
    name: "parley_connections",
    help: "Signaling connections open on this instance.",
    registers,
  });
  new client.Gauge({
    name: "parley_rooms",
    help: "Rooms with a seat taken, on every instance sharing the store (the same on each).",
    registers,
    async collect() {
      this.set(await options.rooms().catch(() => 0));
    },
  });
  new client.Gauge({
    name: "parley_store_ready",
    help: "1 when joins can be served (Redis reachable, taking writes, not evicting).",
    registers,
    collect() {
      this.set(options.ready() ? 1 : 0);
    },
  });
  const joins = new client.Counter({
    name: "parley_joins_total",
    help: "Join requests by outcome.",
    labelNames: ["outcome"],
    registers,
  });
  const signalsRelayed = new client.Counter({
    name: "parley_signals_relayed_total",
    help: "Descriptions and candidates relayed to the other member.",
    registers,
  });
  const signalsRefused = new client.Counter({
    name: "parley_signals_refused_total",
    help: "Signals refused, by error code.",
    labelNames: ["reason"],
    registers,
  });
  const reconnects = new client.Counter({
    name: "parley_reconnects_total",
    help: "Joins that took a held seat back.",
    registers,
  });
  const seatsExpired = new client.Counter({
    name: "parley_seats_expired_total",
    help: "Held seats given up when their grace period ran out.",
    registers,
  });
  const lag = new client.Gauge({
    name: "parley_event_loop_lag_seconds",
    help: "How late the last event-loop sample timer fired.",
    registers,
  });
  const lagMax = new client.Gauge({
    name: "parley_event_loop_lag_max_seconds",
    help: "Largest event-loop lag sampled since the last scrape.",
    registers,
    collect() {
      this.set(worst / 1000);
      worst = 0;
    },
  });
  void lagMax;
  let worst = 0;
  let expected = performance.now() + LAG_SAMPLE_MS;
  const timer = setInterval(() => {
    const late = Math.max(0, performance.now() - expected);
    expected = performance.now() + LAG_SAMPLE_MS;
    lag.set(late / 1000);
    worst = Math.max(worst, late);
  }, LAG_SAMPLE_MS);
  Deno.unrefTimer(timer);
  return {
    registry,
    connections,
    joins,
    signalsRelayed,
    signalsRefused,
    reconnects,
    seatsExpired,
    close: () => clearInterval(timer),
  };
}
