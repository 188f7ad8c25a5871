/**
 * The protocol on the call's `files` data channel (peer to peer, reliable and ordered). Text
 * frames are JSON; binary frames are the bytes of the file the sender started last. Nothing is
 * sent before the receiver says yes:
 *
 * 1. sender: `{ type: "file.offer", id, name, size, mime }`: "may I send you this?";
 * 2. receiver: `{ type: "file.accept", id }` once the person pressed Accept, or
 *    `{ type: "file.decline", id, reason }` (`"declined"` by the person, `"busy"` when
 *    `PEER_LIMITS.pendingOffers` offers already wait for an answer, `"too-large"`);
 * 3. sender, for an accepted file: `{ type: "file.start", id }`, the bytes in binary frames of at
 *    most {@linkcode CHUNK_BYTES}, then `{ type: "file.end", id, sha256 }` (hex SHA-256 of the
 *    whole file);
 * 4. receiver: `{ type: "file.result", id, ok }`: every byte arrived and the hash matched.
 *
 * `{ type: "file.cancel", id }` from the sender withdraws an offer or stops a file midway.
 * Bytes the receiver did not accept (no `file.start` of an accepted id before them) are dropped
 * unread. Headers are checked here ({@linkcode parseHeader}): anything else is ignored.
 *
 * @module
 */
import { fileName } from "../text/safe_text.ts";

/** Bytes per binary frame (16 KiB crosses every browser's data channel message limit safely). */
export const CHUNK_BYTES = 16 * 1024;
/** The largest file sent or accepted. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** The sender waits when this much is buffered in the channel... */
export const HIGH_WATER = 1024 * 1024;
/** ...until it drains to this. */
export const LOW_WATER = 256 * 1024;
/** The longest text frame read. */
const MAX_HEADER_CHARS = 4096;

/** Why an offer was declined. */
export type DeclineReason = "declined" | "busy" | "too-large";

/** A text frame of the protocol. */
export type Header =
  | { type: "file.offer"; id: string; name: string; size: number; mime: string }
  | { type: "file.accept"; id: string }
  | { type: "file.decline"; id: string; reason: DeclineReason }
  | { type: "file.start"; id: string }
  | { type: "file.end"; id: string; sha256: string }
  | { type: "file.cancel"; id: string }
  | { type: "file.result"; id: string; ok: boolean };

/** The error for a file over the limit, in plain words. */
export function tooLarge(size: number): string {
  return `This file is ${sizeWords(size)}; files up to ${sizeWords(MAX_FILE_BYTES)} can be sent.`;
}

/** "2.1 MB", "100 MB", "320 KB", "12 bytes". */
export function sizeWords(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (bytes >= 1024 * 1024) return `${mb.toFixed(mb < 10 ? 1 : 0)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/** SHA-256 of `bytes`, in hex. */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const REASONS: readonly string[] = ["declined", "busy", "too-large"];

/**
 * A header from a text frame, or null when it is not a valid one (untrusted input). An offer's
 * name comes back safe to show and to save as ({@linkcode fileName}).
 */
export function parseHeader(text: string): Header | null {
  if (text.length > MAX_HEADER_CHARS) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || typeof value.id !== "string") return null;
  if (value.id.length === 0 || value.id.length > 64) return null;
  const id = value.id;
  switch (value.type) {
    case "file.offer": {
      const { name, size, mime } = value;
      if (typeof name !== "string" || typeof mime !== "string") return null;
      if (!Number.isSafeInteger(size) || (size as number) < 0) return null;
      return {
        type: "file.offer",
        id,
        name: fileName(name),
        size: size as number,
        mime: mime.slice(0, 100),
      };
    }
    case "file.accept":
    case "file.start":
    case "file.cancel":
      return { type: value.type, id };
    case "file.decline":
      return REASONS.includes(value.reason as string)
        ? { type: "file.decline", id, reason: value.reason as DeclineReason }
        : null;
    case "file.end":
      return typeof value.sha256 === "string" && /^[0-9a-f]{64}$/.test(value.sha256)
        ? { type: "file.end", id, sha256: value.sha256 }
        : null;
    case "file.result":
      return typeof value.ok === "boolean" ? { type: "file.result", id, ok: value.ok } : null;
    default:
      return null;
  }
}
