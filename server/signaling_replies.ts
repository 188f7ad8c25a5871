/**
 * How signaling answers: error acknowledgements with a stable code and a message for people, and
 * an acknowledgement callback that tolerates clients that sent none.
 *
 * @module
 */
import type { ErrorCode, ProtocolError } from "../protocol/signaling.ts";

const MESSAGES: Record<ErrorCode, string> = {
  "invalid-message": "The message was malformed.",
  "invalid-room": "That is not a Parley room id.",
  "room-full": "This room is full.",
  "not-joined": "Join a room first.",
  "already-joined": "This connection is already in a room.",
  "rate-limited": "Too many requests; try again a little later.",
  "peer-behind": "The other member is not keeping up; the message was not relayed.",
  "unknown-room": "This server did not make that room; start a new call.",
  "unavailable": "This server cannot seat anyone right now; try again in a few seconds.",
};

/** An error acknowledgement for `code`. */
export function failure(code: ErrorCode): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code, message: MESSAGES[code] } };
}

/** A `rate-limited` error acknowledgement saying when to try again. */
export function rateLimited(retryAfterMs: number): { ok: false; error: ProtocolError } {
  return {
    ok: false,
    error: {
      code: "rate-limited",
      message: MESSAGES["rate-limited"],
      retryAfterMs: Math.ceil(retryAfterMs),
    },
  };
}

/**
 * An acknowledgement callback that tolerates clients that sent none. Socket.IO passes the
 * callback last, so a client that sent no payload has it in the payload's place.
 */
export function replier<T>(payload: unknown, ack: unknown): (value: T) => void {
  if (typeof payload === "function") ack = payload;
  return (value) => {
    if (typeof ack === "function") ack(value);
  };
}
