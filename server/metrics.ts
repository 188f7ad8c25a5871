/**
 * Parley's Prometheus metrics (`GET /metrics`), through `prom-client`, the maintained Node client
 * (it runs under Deno; its default process metrics do not: Deno has no `monitorEventLoopDelay`
 * and the start task may not read /proc, so the event-loop lag is measured here by a timer).
 *
 * They are served on a listener of their own (`METRICS_HOST`:`METRICS_PORT`, loopback by
 * default), never on the public port, and a scrape changes nothing: the worst lag is the worst of
 * the last minute, whoever asked and however often.
 *
 * Labels are small fixed sets (outcomes, reasons): never a room id, session id or address.
 *
 * @module
 */
import client from "prom-client";
import { log } from "./log.ts";

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
/** The samples `parley_event_loop_lag_max_seconds` is the largest of: the last minute's. */
const LAG_WINDOW = 60_000 / LAG_SAMPLE_MS;

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
  // The last minute's samples, oldest overwritten first.
  const samples = new Float64Array(LAG_WINDOW);
  let next = 0;
  new client.Gauge({
    name: "parley_event_loop_lag_max_seconds",
    help: "Largest event-loop lag sampled in the last minute.",
    registers,
    collect() {
      this.set(Math.max(...samples) / 1000);
    },
  });
  let expected = performance.now() + LAG_SAMPLE_MS;
  const timer = setInterval(() => {
    const late = Math.max(0, performance.now() - expected);
    expected = performance.now() + LAG_SAMPLE_MS;
    lag.set(late / 1000);
    samples[next] = late;
    next = (next + 1) % LAG_WINDOW;
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

/** Where the metrics listener listens. */
export interface MetricsListener {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` at `GET /metrics` on `host`:`port` (a listener of its own: the public port
 * answers 404 there); anything else is 404. Throws an Error saying what to change when the
 * address cannot be had.
 */
export function serveMetrics(
  registry: client.Registry,
  where: { host: string; port: number },
): MetricsListener {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: where.host, port: where.port, onListen() {} }, async (req) => {
      const { pathname } = new URL(req.url);
      if (pathname !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
        return new Response("Not found", { status: 404 });
      }
      return new Response(await registry.metrics(), {
        headers: { "content-type": registry.contentType, "cache-control": "no-store" },
      });
    });
  } catch (error) {
    throw new Error(
      `METRICS_PORT: cannot listen on ${where.host}:${where.port} ` +
        `(${(error as Error).message}); set METRICS_PORT to a free port, or off`,
    );
  }
  server.finished.catch((error) => log("error", "metrics.failed", { error: String(error) }));
  const { hostname, port } = server.addr;
  const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
  return { url: `http://${shown}:${port}/metrics`, close: () => server.shutdown() };
}
