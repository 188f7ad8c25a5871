/**
 * Room ids this deployment minted (`POST /new`): 128 random bits followed by a 64-bit tag, a
 * truncated HMAC-SHA256 of them under the room key. Anyone can check a tag with the key and nobody
 * can make one without it, so the check survives a restart and holds across several instances
 * that share the key. Only minted rooms are given TURN credentials (docs/security.md).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isRoomId } from "../protocol/signaling.ts";

const RANDOM_CHARS = 22; // 16 bytes, unpadded base64url
const TAG_BYTES = 8;
const TAG_CHARS = 11;

/** Length of a minted room id. */
export const MINTED_ROOM_ID_LENGTH = RANDOM_CHARS + TAG_CHARS;

/** Mints and recognises room ids under one key. */
export interface RoomIds {
  /** A new room id carrying this key's tag. */
  mint(): string;
  /** Whether `id` was minted under this key. */
  isMinted(id: string): boolean;
}

/**
 * Room ids under `secret`: `ROOM_SECRET` when set, else derived from `TURN_SECRET` (so TURN
 * deployments need no second secret), else random per process (fine: without TURN nothing but
 * `MINTED_ROOMS_ONLY` depends on the tag).
 */
export function roomIds(secret: string | null): RoomIds {
  const key = secret === null ? randomBytes(32) : Buffer.from(secret, "utf8");
  const tagOf = (random: string) =>
    createHmac("sha256", key).update(random).digest().subarray(0, TAG_BYTES).toString("base64url");
  return {
    mint() {
      const random = randomBytes(16).toString("base64url");
      return random + tagOf(random);
    },
    isMinted(id) {
      if (!isRoomId(id) || id.length !== MINTED_ROOM_ID_LENGTH) return false;
      const expected = Buffer.from(tagOf(id.slice(0, RANDOM_CHARS)));
      return timingSafeEqual(expected, Buffer.from(id.slice(RANDOM_CHARS)));
    },
  };
}

/** The room key from `ROOM_SECRET`, or derived from the TURN secret, or null (random). */
export function roomSecret(roomSecret: string, turnSecret: string | null): string | null {
  if (roomSecret) return roomSecret;
  if (turnSecret) return createHmac("sha256", turnSecret).update("parley room ids").digest("hex");
  return null;
}
