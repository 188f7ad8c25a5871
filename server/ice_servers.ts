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

/**
 * ICE servers for one client, `id` naming it in the TURN username. `withTurn: false` leaves TURN
 * out (a room that was not minted by this deployment, or a client over its credential allowance).
 */
export function iceServersFor(
  config: Pick<Config, "iceServers" | "turn">,
  id: string,
  now: number = Date.now(),
  withTurn = true,
): IceServer[] {
  if (!config.turn || !withTurn) return config.iceServers;
  const { urls, secret, ttlSeconds } = config.turn;
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${id}`;
  const credential = createHmac("sha1", secret).update(username).digest("base64");
  return [...config.iceServers, { urls, username, credential }];
}

/** Whether `config` hands clients a TURN relay (TURN_URLS, or a turn: server in ICE_SERVERS). */
export function offersRelay(config: Pick<Config, "iceServers" | "turn">): boolean {
  return config.turn !== null ||
    config.iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}
