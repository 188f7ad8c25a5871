/**
 * Server configuration from the environment, validated once at start.
 *
 * @module
 */
import type { IceServer, IceTransportPolicy } from "../protocol/signaling.ts";
import { TrustedProxies } from "./client_address.ts";

/** Everything the server can be told from outside. */
export interface Config {
  /** TCP port; 0 picks a free one. `PORT`, default 8000. */
  port: number;
  /** Interface to listen on. `HOST`, default 0.0.0.0. */
  host: string;
  /** Fixed ICE servers handed to every client. `ICE_SERVERS` (JSON array), default none. */
  iceServers: IceServer[];
  /** TURN with time-limited REST credentials. `TURN_URLS` (comma-separated) + `TURN_SECRET`. */
  turn: { urls: string[]; secret: string; ttlSeconds: number } | null;
  /** How long a disconnected member's seat is held for it. `SEAT_GRACE_SECONDS`, default 30. */
  seatGraceMs: number;
  /**
   * The most people one call may seat: a group call (`POST /new?size=N`) is minted for at most
   * this many, and a room is never given more seats, whatever its link says. `MAX_ROOM_SIZE`,
   * 2-9, default 4 (2: group calls off).
   */
  maxRoomSize: number;
  /** Socket.IO heartbeat; a silent client is dropped after interval + timeout. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Development mode: source maps built and served. `PARLEY_DEV=1` (set by `deno task dev`). */
  dev: boolean;
  /**
   * `relay` makes every call use the TURN relay only, so neither side learns the other's address.
   * `ICE_TRANSPORT_POLICY`, `all` (default) or `relay`; `relay` needs a TURN server.
   */
  iceTransportPolicy: IceTransportPolicy;
  /** HTTPS and WSS on the same port: `TLS_CERT_FILE` + `TLS_KEY_FILE` (PEM), default none. */
  tls: TlsFiles | null;
  // --- Against hostile clients (docs/security.md) ---
  /** Origins besides the page's own that may open signaling. `ALLOWED_ORIGINS`, comma-separated. */
  allowedOrigins: string[];
  /** Key that tags minted room ids. `ROOM_SECRET`; default derived from `TURN_SECRET`, or random. */
  roomSecret: string | null;
  /** Refuse joins to room ids this deployment did not mint. `MINTED_ROOMS_ONLY`, default false. */
  mintedRoomsOnly: boolean;
  /** Connection caps, queue bounds and rates, see {@linkcode ServerLimits}. */
  limits: ServerLimits;
  /**
   * The reverse proxies in front, whose `X-Forwarded-For` names the client for every per-address
   * limit. `TRUST_PROXY`: addresses or CIDRs, comma-separated; default none.
   */
  trustProxy: TrustedProxies;
  // --- Many instances and operations (docs/deploy.md, "Many instances", "Operations") ---
  /** Redis shared by every instance (rooms, seats, messages). `REDIS_URL`; default none: memory. */
  redisUrl: string | null;
  /** How long SIGTERM waits for clients to move before exiting. `SHUTDOWN_GRACE_SECONDS`, 10. */
  shutdownGraceMs: number;
  /**
   * Where `/metrics` is served, on a listener of its own (never the public port): `METRICS_HOST`
   * (default 127.0.0.1) and `METRICS_PORT` (default 9464; 0 picks a free one); `METRICS_PORT=off`:
   * no metrics.
   */
  metrics: { host: string; port: number } | null;
}

/** Every bound a client meets; rates are per minute (a whole minute's worth may come at once). */
export interface ServerLimits {
  /** Open connections; null: below the open-file limit read at start. `MAX_CONNECTIONS`. */
  maxConnections: number | null;
  /** Open connections from one address (IPv6: one /64). `MAX_CONNECTIONS_PER_ADDRESS`. */
  connectionsPerAddress: number;
  /** Bytes queued for one client before signals to it are refused. `SEND_QUEUE_BYTES`. */
  sendQueueBytes: number;
  /** A client that stays over that bound this long is disconnected. `SLOW_READER_SECONDS`. */
  slowReaderMs: number;
  /** How often the server checks it still accepts connections; 0: never. `SELF_CHECK_SECONDS`. */
  selfCheckMs: number;
  /** New connections per address (`RATE_CONNECTIONS_PER_ADDRESS`). */
  connectionsPerAddressPerMinute: number;
  /** `join`s per connection (`RATE_JOINS_PER_CONNECTION`) and per address (`..._PER_ADDRESS`). */
  joinsPerConnection: number;
  joinsPerAddress: number;
  /** Descriptions, candidates and signal bytes per connection (`RATE_DESCRIPTIONS/CANDIDATES/
   * SIGNAL_BYTES_PER_CONNECTION`). */
  descriptionsPerConnection: number;
  candidatesPerConnection: number;
  signalBytesPerConnection: number;
  /** TURN credentials per address (`RATE_TURN_CREDENTIALS_PER_ADDRESS`). */
  turnCredentialsPerAddress: number;
  /** Rooms minted by `POST /new` per address (`RATE_NEW_ROOMS_PER_ADDRESS`). */
  newRoomsPerAddress: number;
}

/** Reads the configuration; throws an Error naming the variable when one is malformed. */
export function loadConfig(env: (name: string) => string | undefined): Config {
  return {
    port: integer(env, "PORT", 8000, 0, 65535),
    host: env("HOST") || "0.0.0.0",
    iceServers: iceServers(env("ICE_SERVERS")),
    turn: turn(env),
    seatGraceMs: integer(env, "SEAT_GRACE_SECONDS", 30, 0, 3600) * 1000,
    maxRoomSize: integer(env, "MAX_ROOM_SIZE", 4, 2, 9),
    pingIntervalMs: integer(env, "PING_INTERVAL_MS", 2000, 100, 60000),
    pingTimeoutMs: integer(env, "PING_TIMEOUT_MS", 2500, 100, 60000),
    dev: integer(env, "PARLEY_DEV", 0, 0, 1) === 1,
    allowedOrigins: origins(env("ALLOWED_ORIGINS")),
    roomSecret: env("ROOM_SECRET") || null,
    mintedRoomsOnly: flag(env, "MINTED_ROOMS_ONLY"),
    limits: limits(env),
    trustProxy: TrustedProxies.parse(env("TRUST_PROXY") ?? ""),
    ...transport(env),
    ...instances(env),
  };
}

function integer(
  env: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function iceServers(raw: string | undefined): IceServer[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org:3478"}]`);
  }
  const valid = Array.isArray(parsed) &&
    parsed.every((entry) =>
      typeof entry === "object" && entry !== null &&
      (typeof entry.urls === "string" ||
        (Array.isArray(entry.urls) && entry.urls.every((u: unknown) => typeof u === "string")))
    );
  if (!valid) throw new Error(`ICE_SERVERS must be an array of { "urls": ... } objects`);
  return parsed as IceServer[];
}

function turn(env: (name: string) => string | undefined): Config["turn"] {
  const urls = (env("TURN_URLS") ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  const secret = env("TURN_SECRET") ?? "";
  if (urls.length === 0 && !secret) return null;
  if (urls.length === 0 || !secret) {
    throw new Error("TURN_URLS and TURN_SECRET go together: set both or neither");
  }
  return { urls, secret, ttlSeconds: integer(env, "TURN_TTL_SECONDS", 600, 10, 86400) };
}

// --- Against hostile clients ---

const MAX = 1_000_000_000;

function limits(env: (name: string) => string | undefined): ServerLimits {
  const rate = (name: string, fallback: number) => integer(env, name, fallback, 0, MAX);
  const cap = env("MAX_CONNECTIONS");
  return {
    maxConnections: cap ? integer(env, "MAX_CONNECTIONS", 0, 1, MAX) : null,
    connectionsPerAddress: integer(env, "MAX_CONNECTIONS_PER_ADDRESS", 100, 0, MAX),
    sendQueueBytes: integer(env, "SEND_QUEUE_BYTES", 1024 * 1024, 64 * 1024, MAX),
    slowReaderMs: integer(env, "SLOW_READER_SECONDS", 10, 1, 3600) * 1000,
    selfCheckMs: integer(env, "SELF_CHECK_SECONDS", 10, 0, 3600) * 1000,
    connectionsPerAddressPerMinute: rate("RATE_CONNECTIONS_PER_ADDRESS", 300),
    joinsPerConnection: rate("RATE_JOINS_PER_CONNECTION", 10),
    joinsPerAddress: rate("RATE_JOINS_PER_ADDRESS", 120),
    descriptionsPerConnection: rate("RATE_DESCRIPTIONS_PER_CONNECTION", 60),
    candidatesPerConnection: rate("RATE_CANDIDATES_PER_CONNECTION", 600),
    signalBytesPerConnection: rate("RATE_SIGNAL_BYTES_PER_CONNECTION", 2 * 1024 * 1024),
    turnCredentialsPerAddress: rate("RATE_TURN_CREDENTIALS_PER_ADDRESS", 10),
    newRoomsPerAddress: rate("RATE_NEW_ROOMS_PER_ADDRESS", 20),
  };
}

function origins(raw: string | undefined): string[] {
  const list = (raw ?? "").split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of list) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch { /* reported below */ }
    if (!parsed || parsed.origin !== origin) {
      throw new Error(
        `ALLOWED_ORIGINS must list origins like https://example.org, got "${origin}"`,
      );
    }
  }
  return list;
}

function flag(env: (name: string) => string | undefined, name: string): boolean {
  const raw = (env(name) ?? "").toLowerCase();
  if (raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

// --- Network: TLS (HTTPS + WSS) and the ICE transport policy ------------------------------------

/**
 * Paths of the PEM certificate (chain) and private key the server serves HTTPS with; read and
 * watched by server/certificates.ts.
 */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

function transport(
  env: (name: string) => string | undefined,
): Pick<Config, "iceTransportPolicy" | "tls"> {
  const certFile = env("TLS_CERT_FILE") ?? "";
  const keyFile = env("TLS_KEY_FILE") ?? "";
  if (!certFile !== !keyFile) {
    throw new Error("TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither");
  }
  const policy = env("ICE_TRANSPORT_POLICY") || "all";
  if (policy !== "all" && policy !== "relay") {
    throw new Error(`ICE_TRANSPORT_POLICY must be "all" or "relay", got "${policy}"`);
  }
  if (policy === "relay" && !hasRelay(env)) {
    throw new Error(
      "ICE_TRANSPORT_POLICY=relay needs a relay: set TURN_URLS and TURN_SECRET " +
        "(or a turn: server in ICE_SERVERS), or calls could never connect",
    );
  }
  return { iceTransportPolicy: policy, tls: certFile ? { certFile, keyFile } : null };
}

function hasRelay(env: (name: string) => string | undefined): boolean {
  if (turn(env)) return true;
  return iceServers(env("ICE_SERVERS")).some((server) =>
    [server.urls].flat().some((url) => /^turns?:/i.test(url))
  );
}

// --- Many instances and operations ----------------------------------------------------------------

function instances(
  env: (name: string) => string | undefined,
): Pick<Config, "redisUrl" | "shutdownGraceMs" | "metrics"> {
  const redisUrl = env("REDIS_URL") || null;
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new Error(
      `REDIS_URL must look like redis://host:6379 or rediss://..., got "${redisUrl}"`,
    );
  }
  const metricsPort = env("METRICS_PORT");
  return {
    redisUrl,
    shutdownGraceMs: integer(env, "SHUTDOWN_GRACE_SECONDS", 10, 0, 3600) * 1000,
    metrics: metricsPort === "off" ? null : {
      host: env("METRICS_HOST") || "127.0.0.1",
      port: integer(env, "METRICS_PORT", 9464, 0, 65535),
    },
  };
}
