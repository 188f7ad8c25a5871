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
import { addressKey, prefixKey } from "./rate_limit.ts";

/**
 * How many TURN users the /64s of one IPv6 /48 (a site) are spread over. A home is given a /64 or
 * a /56, a site a /48: one user per /64 alone would let a /48's 65,536 /64s each take
 * `user-quota` allocations until coturn's `total-quota` is reached. Spread over 8 users, a whole
 * /48 holds at most 8 × `user-quota` (96 of the shipped 1,200), and two people of one /48 rarely
 * share one.
 */
export const TURN_USERS_PER_SITE = 8;

/**
 * The TURN user of a client at `address`: a pseudonym of its address key (an IPv6 /64 as one of
 * {@linkcode TURN_USERS_PER_SITE} users of its /48; an IPv4 address as itself), the same for every
 * credential it is given. coturn counts `user-quota` per user, whatever the expiry before the
 * colon (`expiry:user`), so however many credentials one address, /64 or /48 collects, together
 * they hold at most `user-quota` allocations per user (deploy/turnserver.conf).
 */
export function turnUser(secret: string, address: string): string {
  const key = addressKey(address);
  let scope = key;
  if (key.includes(":")) {
    const spread = createHmac("sha256", secret).update(`parley turn spread\0${key}`).digest();
    scope = `${prefixKey(address, 48)} ${spread[0] % TURN_USERS_PER_SITE}`;
  }
  return createHmac("sha256", secret).update(`parley turn user\0${scope}`)
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
