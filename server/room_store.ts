/**
 * The seat rules, once: what a room store promises signaling, and the numbers both stores use.
 *
 * A room has `capacity` seats, numbered from 0 (the capacity comes with each join: a room's id
 * says how many it seats). A newcomer takes the lowest free seat. A member whose connection drops
 * keeps its seat for a grace period; the same tab (same resume token) can take it back, nobody
 * else can. When the grace runs out the seat is freed and its token remembered for
 * {@linkcode SEAT_RULES}`.expiredMemoryMs`, so a page coming back late is told its seat expired
 * rather than handed a new one silently.
 *
 * Two stores keep these rules: `server/memory_rooms.ts` (one process) and `server/redis_rooms.ts`
 * (every instance on one Redis, the rules in Lua). `tests/server/room_store_test.ts` holds both to
 * the same contract.
 *
 * @module
 */
import type { SeatOutcome } from "../protocol/signaling.ts";

/** The numbers of the seat rules, handed to both stores (and to the Redis scripts). */
export const SEAT_RULES = {
  /** How long the token of a seat that expired is remembered, to tell its page so. */
  expiredMemoryMs: 15 * 60_000,
  /** At most this many expired tokens are remembered; the oldest are forgotten first. */
  expiredMemoryEntries: 10_000,
} as const;

/** Where a seated connection sits: enough to address it and its peers, and to give it up. */
export interface SeatRef {
  roomId: string;
  /** The seat's number in its room, from 0. */
  index: number;
  /** Seats in its room. */
  capacity: number;
  /** Its resume token, so a store can tell this seat from a newer one in the same place. */
  resume: string;
  session: string;
}

/** Another member of a room (connected or away). */
export interface Member {
  index: number;
  session: string;
}

/** What a join asks for. */
export interface SeatRequest {
  room: string;
  session: string;
  /** The token of the seat this page held, if any. */
  resume?: string;
  /** Seats in this room. */
  capacity: number;
}

/** Outcome of {@linkcode RoomStore.join}. */
export type StoreJoin =
  | {
    ok: true;
    seat: SeatRef;
    /** The other members, connected or away, by seat number. */
    peers: Member[];
    /** What became of the seat the request's resume token named. */
    outcome: SeatOutcome;
    /** A connection that held this seat until now (another tab, or a socket on a dead instance). */
    replacedSocketId: string | null;
    /** The session the seat had before it was taken back (`resumed`), else null. */
    previousSession: string | null;
  }
  | { ok: false; reason: "room-full" | "unavailable" };

/** A seat that expired, or whose instance died: who is left to tell. */
export interface SeatExpiry {
  roomId: string;
  /** The seat that expired (or went away). */
  index: number;
  /** The session of the member whose seat it was. */
  session: string;
  /** Seats still taken in the room. */
  peers: number[];
}

/** What is left of a room after a member gave its seat up or went away. */
export interface Released {
  /** The other seats still taken in the room (connected or away). */
  peers: number[];
}

/**
 * The rooms, wherever they are kept. Signaling keeps which seat each of its own connections holds
 * and addresses members by seat (room and number), so a store only answers the questions that
 * need every instance's view: who may sit where, and what becomes of a seat.
 */
export interface RoomStore {
  /** `memory` (this process only) or `redis` (shared by every instance on the same Redis). */
  readonly kind: "memory" | "redis";
  /** Why joins cannot be served now (Redis away, full, or evicting), or null when they can. */
  problem(): string | null;
  /** Seats `socketId`: reclaims the seat `resume` names, or takes the lowest free one. */
  join(socketId: string, request: SeatRequest): Promise<StoreJoin>;
  /** Gives `seat` up for good, if `socketId` still holds it. */
  leave(socketId: string, seat: SeatRef): Promise<Released | null>;
  /** Holds `seat` for the grace period, if `socketId` still holds it. */
  disconnect(socketId: string, seat: SeatRef): Promise<Released | null>;
  /** Seats taken in `roomId`, and whether one of them is held for `resume`. */
  status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }>;
  /** Rooms with a seat taken, on every instance sharing the store (the same on each). */
  roomCount(): Promise<number>;
  /** Stops timers and connections. */
  close(): Promise<void>;
}

/** What a room store tells signaling, and asks of it. */
export interface StoreHooks {
  /** A held seat expired: tell the members left behind. */
  onExpire(expiry: SeatExpiry): void;
  /** Another instance died: tell the members left behind that this seat's member is away. */
  onPeerAway(expiry: SeatExpiry): void;
  /** The seats this instance's connections hold. */
  localSeats(): Iterable<{ socketId: string; seat: SeatRef }>;
  /** A local connection lost its seat (it could not be written back after an outage). */
  onSeatLost(socketId: string): void;
}
