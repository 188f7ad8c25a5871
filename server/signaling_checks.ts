/**
 * What signaling checks about a request before acting on it: where a connection comes from, and
 * what a signal weighs for the rate limits.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { SignalMessage } from "../protocol/signaling.ts";

/**
 * Signaling from a browser page is accepted from the page's own origin and `ALLOWED_ORIGINS`
 * only, so another site cannot open signaling in a visitor's name. Requests without an `Origin`
 * (programs, not pages) are let through: they could send any `Origin` they like anyway.
 */
export function originAllowed(
  req: Pick<IncomingMessage, "headers">,
  allowed: readonly string[],
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Whether a signal payload carries a description (charged as one), before it is parsed. */
export function isDescription(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && "description" in payload;
}

/** The bytes a signal carries, for the bytes-per-second limit. */
export function signalBytes(message: SignalMessage): number {
  return "description" in message
    ? message.description.sdp.length
    : message.candidate.candidate.length + (message.candidate.usernameFragment?.length ?? 0);
}
