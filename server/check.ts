/**
 * The connection check's one request (`check`, for the `/check` page): the ICE servers this
 * server hands out, so the page can gather candidates and make a call through the relay.
 *
 * It gives TURN credentials to whoever asks, not only to room members, so it is held short: each
 * address gets {@linkcode Limits.checksPerMinute} answers a minute, and the credentials expire
 * after {@linkcode Limits.checkCredentialSeconds} seconds (calls' credentials live
 * `TURN_TTL_SECONDS`).
 *
 * @module
 */
import type { Server, Socket } from "socket.io";
import {
  type CheckAck,
  ClientEvent,
  type ClientToServerEvents,
  Limits,
  randomToken,
  type ServerToClientEvents,
} from "../protocol/signaling.ts";
import type { Config } from "./config.ts";
import { iceServersFor, offersRelay } from "./ice_servers.ts";

/** Most addresses tracked at once; beyond it new addresses are refused until a minute passes. */
const MAX_TRACKED_ADDRESSES = 10_000;
const WINDOW_MS = 60_000;

/** Answers `check` requests on every connection of `io`. */
export function attachCheck(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  config: Pick<Config, "iceServers" | "turn" | "iceTransportPolicy">,
  now: () => number = Date.now,
): void {
  const limiter = new RateLimiter(Limits.checksPerMinute, WINDOW_MS, now);
  // Check credentials live a few minutes at most, whatever calls get.
  const turn = config.turn && {
    ...config.turn,
    ttlSeconds: Math.min(config.turn.ttlSeconds, Limits.checkCredentialSeconds),
  };
  io.on("connection", (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    socket.on(ClientEvent.check, async (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== "function") return;
      const reply = ack as (value: CheckAck) => void;
      if (!limiter.allow(socket.handshake.address)) {
        return reply({
          ok: false,
          error: {
            code: "rate-limited",
            message: "Too many connection checks from this address; try again in a minute.",
          },
        });
      }
      reply({
        ok: true,
        iceServers: await iceServersFor(
          { iceServers: config.iceServers, turn },
          `check-${randomToken(6)}`,
          now(),
        ),
        iceTransportPolicy: config.iceTransportPolicy,
        relay: offersRelay(config),
      });
    });
  });
}

/** At most `limit` hits per key in each fixed window of `windowMs`; bounded in keys. */
export class RateLimiter {
  #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit for `key`; whether it is within the limit. */
  allow(key: string): boolean {
    const at = this.now();
    let window = this.#windows.get(key);
    if (!window || at - window.start >= this.windowMs) {
      if (!window && this.#windows.size >= MAX_TRACKED_ADDRESSES) this.#sweep(at);
      if (!window && this.#windows.size >= MAX_TRACKED_ADDRESSES) return false;
      window = { start: at, count: 0 };
      this.#windows.set(key, window);
    }
    window.count += 1;
    return window.count <= this.limit;
  }

  /** How many keys are tracked now (for tests). */
  get size(): number {
    return this.#windows.size;
  }

  #sweep(at: number): void {
    for (const [key, window] of this.#windows) {
      if (at - window.start >= this.windowMs) this.#windows.delete(key);
    }
  }
}
