/**
 * The ICE servers a joining client is given: the configured ones, plus TURN with short-lived
 * credentials (the "TURN REST API" scheme coturn's `--use-auth-secret` checks).
 *
 * Synchronous on purpose: the join handler computes the credential before it claims a seat, with
 * no `await` in between, so a leave cannot slip in between the seat and the acknowledgement.
 *
 * @module
 */
import { createHmac } from "node:crypto";
import type { IceServer } from "../protocol/signaling.ts";
import type { Config } from "./config.ts";
import { addressKey } from "./rate_limit.ts";

/**
 * The TURN user of a client at `address`: a pseudonym of its address key (an IPv6 /64), the same
 * for every credential it is given. coturn counts `user-quota` per user, whatever the expiry
 * before the colon (`expiry:user`), so however many credentials one address collects, together
 * they hold at most `user-quota` allocations (deploy/turnserver.conf).
 */
export function turnUser(secret: string, address: string): string {
  return createHmac("sha256", secret).update(`parley turn user\0${addressKey(address)}`)
    .digest("base64url").slice(0, 16);
}

/**
 * ICE servers for one client, `user` naming it in the TURN username ({@linkcode turnUser}).
 * `withTurn: false` leaves TURN out (a room that was not minted by this deployment, or a client
 * over its credential allowance).
 */
export function iceServersFor(
  config: Pick<Config, "iceServers" | "turn">,
  user: string,
  now: number = Date.now(),
  withTurn = true,
): IceServer[] {
  if (!config.turn || !withTurn) return config.iceServers;
  const { urls, secret, ttlSeconds } = config.turn;
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${user}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return [...config.iceServers, { urls, username, credential }];
}

/** Whether `config` hands clients a TURN relay (TURN_URLS, or a turn: server in ICE_SERVERS). */
export function offersRelay(config: Pick<Config, "iceServers" | "turn">): boolean {
  return config.turn !== null ||
    config.iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}
