/**
 * Server configuration from the environment, validated once at start.
 *
 * @module
 */
import type { IceServer } from "../protocol/signaling.ts";

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
  /** Socket.IO heartbeat; a silent client is dropped after interval + timeout. */
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** Development mode: source maps built and served. `PARLEY_DEV=1` (set by `deno task dev`). */
  dev: boolean;
}

/** Reads the configuration; throws an Error naming the variable when one is malformed. */
export function loadConfig(env: (name: string) => string | undefined): Config {
  return {
    port: integer(env, "PORT", 8000, 0, 65535),
    host: env("HOST") || "0.0.0.0",
    iceServers: iceServers(env("ICE_SERVERS")),
    turn: turn(env),
    seatGraceMs: integer(env, "SEAT_GRACE_SECONDS", 30, 0, 3600) * 1000,
    pingIntervalMs: integer(env, "PING_INTERVAL_MS", 2000, 100, 60000),
    pingTimeoutMs: integer(env, "PING_TIMEOUT_MS", 2500, 100, 60000),
    dev: integer(env, "PARLEY_DEV", 0, 0, 1) === 1,
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
  return { urls, secret, ttlSeconds: integer(env, "TURN_TTL_SECONDS", 3600, 60, 86400) };
}
