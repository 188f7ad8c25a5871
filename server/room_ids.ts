/**
 * Room ids this deployment minted (`POST /new`): 128 random bits, for a group the number of seats
 * (one digit, 3-9), then a 64-bit tag, a truncated HMAC-SHA256 of both under the room key. Anyone
 * can check a tag with the key and nobody can make one without it, so the check survives a restart
 * and holds across several instances that share the key, and nobody can raise a room's size by
 * editing its link. Only minted rooms are given TURN credentials (docs/security.md); any other
 * room, made up by hand, has two seats.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { isRoomId } from "../protocol/signaling.ts";

const RANDOM_CHARS = 22; // 16 bytes, unpadded base64url
const TAG_BYTES = 8;
const TAG_CHARS = 11;

/** Length of a minted room id for two (a group's has one character more, its size). */
export const MINTED_ROOM_ID_LENGTH = RANDOM_CHARS + TAG_CHARS;

/** Seats of a room whose id says nothing else (made up, or minted for two). */
export const PAIR_SIZE = 2;

/** The largest group an id can carry (one digit). */
export const LARGEST_GROUP = 9;

/** Mints and recognises room ids under one key. */
export interface RoomIds {
  /** A new room id carrying this key's tag, for `size` people (2, the default, to 9). */
  mint(size?: number): string;
  /** Whether `id` was minted under this key. */
  isMinted(id: string): boolean;
  /**
   * How many people the room `id` seats, as its id says: a group's size when its tag vouches for
   * it, else 2. Null when `id` has a group's shape but a tag that does not match (a link whose
   * size or tag was edited): no room.
   */
  sizeOf(id: string): number | null;
}

const GROUP_SIZE = /^[3-9]$/;

/**
 * Room ids under `secret`: `ROOM_SECRET` when set, else derived from `TURN_SECRET` (so TURN
 * deployments need no second secret), else random per process (fine: without TURN nothing but
 * `MINTED_ROOMS_ONLY` and a group's size depends on the tag, and a group's link then lasts as long
 * as the process).
 */
export function roomIds(secret: string | null): RoomIds {
  const key = secret === null ? randomBytes(32) : Buffer.from(secret, "utf8");
  const tagOf = (tagged: string) =>
    createHmac("sha256", key).update(tagged).digest().subarray(0, TAG_BYTES).toString("base64url");
  /** The part of `id` its tag covers, when it has the shape of a minted id. */
  const taggedPart = (id: string): string | null => {
    if (!isRoomId(id)) return null;
    if (id.length === MINTED_ROOM_ID_LENGTH) return id.slice(0, RANDOM_CHARS);
    if (id.length === MINTED_ROOM_ID_LENGTH + 1 && GROUP_SIZE.test(id[RANDOM_CHARS])) {
      return id.slice(0, RANDOM_CHARS + 1);
    }
    return null;
  };
  const isMinted = (id: string) => {
    const tagged = taggedPart(id);
    if (tagged === null) return false;
    const expected = Buffer.from(tagOf(tagged));
    const tag = Buffer.from(id.slice(tagged.length));
    return tag.length === expected.length && timingSafeEqual(expected, tag);
  };
  return {
    mint(size = PAIR_SIZE) {
      if (!Number.isInteger(size) || size < PAIR_SIZE || size > LARGEST_GROUP) {
        throw new RangeError(`a room seats ${PAIR_SIZE}-${LARGEST_GROUP} people, not ${size}`);
      }
      const random = randomBytes(16).toString("base64url");
      const tagged = size === PAIR_SIZE ? random : random + size;
      return tagged + tagOf(tagged);
    },
    isMinted,
    sizeOf(id) {
      const tagged = taggedPart(id);
      if (tagged === null || tagged.length === RANDOM_CHARS) return PAIR_SIZE;
      return isMinted(id) ? Number(tagged[RANDOM_CHARS]) : null;
    },
  };
}

/** The room key from `ROOM_SECRET`, or derived from the TURN secret, or null (random). */
export function roomSecret(roomSecret: string, turnSecret: string | null): string | null {
  if (roomSecret) return roomSecret;
  if (turnSecret) return createHmac("sha256", turnSecret).update("parley room ids").digest("hex");
  return null;
}
