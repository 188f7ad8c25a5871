/**
 * The ICE servers a joining client is given: the configured ones, plus TURN with short-lived
 * credentials (the "TURN REST API" scheme coturn's `--use-auth-secret` checks).
 *
 * @module
 */
import type { IceServer } from "../protocol/signaling.ts";
import type { Config } from "./config.ts";

/** ICE servers for one client, `id` naming it in the TURN username. */
export async function iceServersFor(
  config: Pick<Config, "iceServers" | "turn">,
  id: string,
  now: number = Date.now(),
): Promise<IceServer[]> {
  if (!config.turn) return config.iceServers;
  const { urls, secret, ttlSeconds } = config.turn;
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${id}`;
  return [...config.iceServers, { urls, username, credential: await hmacSha1(secret, username) }];
}

/** Whether `config` hands clients a TURN relay (TURN_URLS, or a turn: server in ICE_SERVERS). */
export function offersRelay(config: Pick<Config, "iceServers" | "turn">): boolean {
  return config.turn !== null ||
    config.iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}

async function hmacSha1(secret: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(message));
  return btoa(String.fromCharCode(...new Uint8Array(signature)));
}
