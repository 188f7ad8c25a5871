/**
 * The connection check's one request (`check`, for the `/check` page): the ICE servers this
 * server hands out, so the page can gather candidates and make a call through the relay.
 *
 * It gives TURN credentials to whoever asks, not only to room members, so it is held short: each
 * address (IPv6: each /64, and a network's many /64s share beyond a few, server/prefix_limiter.ts)
 * gets {@linkcode Limits.checksPerMinute} answers a minute, and the credentials expire after
 * {@linkcode Limits.checkCredentialSeconds} seconds (calls' credentials live `TURN_TTL_SECONDS`).
 * They name the same TURN user as the address's calls, so they share its relay quota.
 *
 * @module
 */
import type { Server, Socket } from "socket.io";
import {
  type CheckAck,
  ClientEvent,
  type ClientToServerEvents,
  Limits,
  type ServerToClientEvents,
} from "../protocol/signaling.ts";
import type { Config } from "./config.ts";
import { iceServersFor, offersRelay, turnUser } from "./ice_servers.ts";
import { PrefixLimiter } from "./prefix_limiter.ts";

/** Addresses tracked at once, and how many /64s of one /48 before the rest share. */
const MAX_TRACKED_ADDRESSES = 10_000;
const PER_NETWORK = 16;
const WINDOW_MS = 60_000;

/** Answers `check` requests on every connection of `io`. */
export function attachCheck(
  io: Server<ClientToServerEvents, ServerToClientEvents>,
  config: Pick<Config, "iceServers" | "turn" | "iceTransportPolicy" | "trustProxy">,
  now: () => number = Date.now,
): void {
  const limiter = new PrefixLimiter({
    limit: Limits.checksPerMinute,
    windowMs: WINDOW_MS,
    perGroup: PER_NETWORK,
    maxKeys: MAX_TRACKED_ADDRESSES,
    now,
  });
  // Check credentials live a minute at most, whatever calls get.
  const turn = config.turn && {
    ...config.turn,
    ttlSeconds: Math.min(config.turn.ttlSeconds, Limits.checkCredentialSeconds),
  };
  io.on("connection", (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    const { handshake } = socket;
    const address = config.trustProxy.clientOf(
      handshake.address,
      handshake.headers["x-forwarded-for"],
    );
    socket.on(ClientEvent.check, (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== "function") return;
      const reply = ack as (value: CheckAck) => void;
      if (!limiter.allow(address)) {
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
        iceServers: iceServersFor(
          { iceServers: config.iceServers, turn },
          turn ? turnUser(turn.secret, address) : "",
          now(),
        ),
        iceTransportPolicy: config.iceTransportPolicy,
        relay: offersRelay(config),
      });
    });
  });
}
