/**
 * Who sits in which room. Pure bookkeeping, no sockets: the signaling layer asks it questions and
 * acts on the answers, and tests drive it directly.
 *
 * A room has two seats, one per perfect-negotiation role. A member whose connection drops keeps
 * its seat for a grace period; the same tab (same resume token) can take it back, nobody else can.
 *
 * @module
 */
import { Limits, randomToken, type Role, type SeatOutcome } from "../protocol/signaling.ts";

/** One member's place in a room. */
export interface Seat {
  role: Role;
  /** The page load sitting here (changes on reload). */
  session: string;
  /** Secret that reclaims this seat. */
  resume: string;
  /** Socket sitting here, or null while the member is away. */
  socketId: string | null;
}

/** Outcome of {@linkcode RoomRegistry.join}. */
export type JoinOutcome =
  | {
    ok: true;
    seat: Seat;
    peer: Seat | null;
    /** What became of the seat the request's resume token named. */
    outcome: SeatOutcome;
    replacedSocketId: string | null;
  }
  | { ok: false; reason: "room-full" | "already-joined" };

/** Where the registry's time comes from; XState's `SimulatedClock` fits, for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
};

/** Options for {@linkcode RoomRegistry}. */
export interface RoomRegistryOptions {
  /** Time for the grace periods; the system's by default. */
  clock?: Clock;
  /** How long an away member's seat is held. */
  graceMs: number;
  /** Called when a held seat expires; `peer` is the member still in the room, if any. */
  onExpire?: (roomId: string, peer: Seat | null) => void;
}

/** How long the token of a seat that expired is remembered, to tell its page so. */
const EXPIRED_MEMORY_MS = 15 * 60_000;
/** At most this many expired tokens are remembered; the oldest go first. */
const EXPIRED_MEMORY_ENTRIES = 10_000;

interface Room {
  seats: Seat[];
  timers: Map<Seat, unknown>;
}

const ROLES: readonly Role[] = ["impolite", "polite"];

/** All rooms of one server process. */
export class RoomRegistry {
  #rooms = new Map<string, Room>();
  #bySocket = new Map<string, { roomId: string; seat: Seat }>();
  /** Resume token of a seat that expired → its room and when it is forgotten. */
  #expired = new Map<string, { roomId: string; until: number }>();
  #options: RoomRegistryOptions;
  #clock: Clock;

  constructor(options: RoomRegistryOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Number of rooms with at least one seat taken. */
  get size(): number {
    return this.#rooms.size;
  }

  /** How many seats of `roomId` are taken (by members connected or away). */
  membersOf(roomId: string): number {
    return this.#rooms.get(roomId)?.seats.length ?? 0;
  }

  /** Whether `resume` names a seat in `roomId` (held, or taken by another page of its tab). */
  holds(roomId: string, resume: string | undefined): boolean {
    if (resume === undefined) return false;
    return this.#rooms.get(roomId)?.seats.some((seat) => seat.resume === resume) ?? false;
  }

  /** Seats `socketId` in `roomId`: reclaims the seat `resume` names, or takes a free one. */
  join(
    socketId: string,
    request: { room: string; session: string; resume?: string },
  ): JoinOutcome {
    if (this.#bySocket.has(socketId)) return { ok: false, reason: "already-joined" };
    const room: Room = this.#rooms.get(request.room) ?? { seats: [], timers: new Map() };
    let seat = request.resume ? room.seats.find((s) => s.resume === request.resume) : undefined;
    let replacedSocketId: string | null = null;
    if (seat) {
      replacedSocketId = seat.socketId;
      if (replacedSocketId) this.#bySocket.delete(replacedSocketId);
      this.#clearTimer(room, seat);
      seat.socketId = socketId;
      seat.session = request.session;
    } else {
      if (room.seats.length >= Limits.roomCapacity) return { ok: false, reason: "room-full" };
      const role = ROLES.find((r) => !room.seats.some((s) => s.role === r))!;
      seat = { role, session: request.session, resume: randomToken(18), socketId };
      room.seats.push(seat);
    }
    this.#rooms.set(request.room, room);
    this.#bySocket.set(socketId, { roomId: request.room, seat });
    const outcome: SeatOutcome = seat.resume === request.resume
      ? "resumed"
      : this.#wasExpired(request.room, request.resume)
      ? "expired"
      : "new";
    return { ok: true, seat, peer: this.#other(room, seat), outcome, replacedSocketId };
  }

  /** The other seat of `socketId`'s room, if `socketId` is seated. */
  peerOf(socketId: string): Seat | null {
    const entry = this.#bySocket.get(socketId);
    if (!entry) return null;
    return this.#other(this.#rooms.get(entry.roomId)!, entry.seat);
  }

  /** Whether `socketId` is seated. */
  has(socketId: string): boolean {
    return this.#bySocket.has(socketId);
  }

  /** Frees `socketId`'s seat for good (hang-up). Returns the member left behind. */
  leave(socketId: string): { roomId: string; peer: Seat | null } | null {
    const entry = this.#bySocket.get(socketId);
    if (!entry) return null;
    this.#bySocket.delete(socketId);
    const room = this.#rooms.get(entry.roomId)!;
    const peer = this.#other(room, entry.seat);
    this.#remove(entry.roomId, room, entry.seat);
    return { roomId: entry.roomId, peer };
  }

  /** Marks `socketId`'s seat away and holds it for the grace period. */
  disconnect(socketId: string): { roomId: string; peer: Seat | null } | null {
    const entry = this.#bySocket.get(socketId);
    if (!entry) return null;
    this.#bySocket.delete(socketId);
    const room = this.#rooms.get(entry.roomId)!;
    const { seat, roomId } = entry;
    seat.socketId = null;
    const peer = this.#other(room, seat);
    const timer = this.#clock.setTimeout(() => {
      room.timers.delete(seat);
      if (seat.socketId !== null) return;
      this.#remove(roomId, room, seat);
      this.#rememberExpired(roomId, seat.resume);
      this.#options.onExpire?.(roomId, this.#other(room, seat));
    }, this.#options.graceMs);
    room.timers.set(seat, timer);
    return { roomId, peer };
  }

  /** Cancels every pending timer (server shutdown, tests). */
  close(): void {
    for (const room of this.#rooms.values()) {
      for (const timer of room.timers.values()) this.#clock.clearTimeout(timer);
      room.timers.clear();
    }
  }

  #rememberExpired(roomId: string, token: string): void {
    const now = this.#clock.now();
    for (const [oldest, entry] of this.#expired) {
      if (entry.until > now && this.#expired.size < EXPIRED_MEMORY_ENTRIES) break;
      this.#expired.delete(oldest);
    }
    this.#expired.set(token, { roomId, until: now + EXPIRED_MEMORY_MS });
  }

  #wasExpired(roomId: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const entry = this.#expired.get(token);
    if (!entry) return false;
    this.#expired.delete(token);
    return entry.roomId === roomId && entry.until > this.#clock.now();
  }

  #other(room: Room, seat: Seat): Seat | null {
    return room.seats.find((s) => s !== seat) ?? null;
  }

  #clearTimer(room: Room, seat: Seat): void {
    const timer = room.timers.get(seat);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    room.timers.delete(seat);
  }

  #remove(roomId: string, room: Room, seat: Seat): void {
    this.#clearTimer(room, seat);
    room.seats = room.seats.filter((s) => s !== seat);
    if (room.seats.length === 0) this.#rooms.delete(roomId);
  }
}

// --- The registry as signaling sees it: one process (memory) or many (Redis) -------------------

/** Where a seated connection sits: enough to address it and its peer, and to give it up. */
export interface SeatRef {
  roomId: string;
  role: Role;
  /** Its resume token, so a store can tell this seat from a newer one in the same place. */
  resume: string;
  session: string;
}

/** Outcome of {@linkcode RoomStore.join}. */
export type StoreJoin =
  | {
    ok: true;
    seat: SeatRef;
    /** The other member (connected or away), by session and role. */
    peer: { session: string; role: Role } | null;
    outcome: SeatOutcome;
    /** A connection that held this seat until now (another tab, or a socket on a dead instance). */
    replacedSocketId: string | null;
  }
  | { ok: false; reason: "room-full" | "already-joined" | "unavailable" };

/** What a held seat's expiry means for the room: the member left behind, if any. */
export interface SeatExpiry {
  roomId: string;
  peerRole: Role | null;
}

/**
 * The rooms, wherever they are kept. Signaling keeps which seat each of its own connections holds
 * and addresses members by seat (room and role), so a store only answers the questions that need
 * every instance's view: who may sit where, and what becomes of a seat.
 */
export interface RoomStore {
  /** `memory` (this process only) or `redis` (shared by every instance on the same Redis). */
  readonly kind: "memory" | "redis";
  /** Whether joins can be served now (Redis reachable). */
  ready(): boolean;
  /** Seats `socketId` in `request.room`: reclaims the seat `resume` names, or takes a free one. */
  join(socketId: string, request: { room: string; session: string; resume?: string }): Promise<
    StoreJoin
  >;
  /** Gives `seat` up for good, if `socketId` still holds it. Returns the peer's role, if any. */
  leave(socketId: string, seat: SeatRef): Promise<{ peerRole: Role | null } | null>;
  /** Holds `seat` for the grace period, if `socketId` still holds it. */
  disconnect(socketId: string, seat: SeatRef): Promise<{ peerRole: Role | null } | null>;
  /** Seats taken in `roomId`, and whether one of them is held for `resume`. */
  status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }>;
  /** Rooms with a seat taken (this process's for memory; every instance's for Redis). */
  roomCount(): Promise<number>;
  /** Stops timers and connections. */
  close(): Promise<void>;
}

/** {@linkcode RoomStore} in this process's memory: the default, one instance. */
export class MemoryRoomStore implements RoomStore {
  readonly kind = "memory";
  #registry: RoomRegistry;

  constructor(options: { graceMs: number; clock?: Clock; onExpire?: (e: SeatExpiry) => void }) {
    this.#registry = new RoomRegistry({
      graceMs: options.graceMs,
      clock: options.clock,
      onExpire: (roomId, peer) => options.onExpire?.({ roomId, peerRole: peer?.role ?? null }),
    });
  }

  ready(): boolean {
    return true;
  }

  join(
    socketId: string,
    request: { room: string; session: string; resume?: string },
  ): Promise<StoreJoin> {
    const outcome = this.#registry.join(socketId, request);
    if (!outcome.ok) return Promise.resolve(outcome);
    const { seat, peer } = outcome;
    return Promise.resolve({
      ok: true,
      seat: { roomId: request.room, role: seat.role, resume: seat.resume, session: seat.session },
      peer: peer ? { session: peer.session, role: peer.role } : null,
      outcome: outcome.outcome,
      replacedSocketId: outcome.replacedSocketId,
    });
  }

  leave(socketId: string): Promise<{ peerRole: Role | null } | null> {
    const left = this.#registry.leave(socketId);
    return Promise.resolve(left && { peerRole: left.peer?.role ?? null });
  }

  disconnect(socketId: string): Promise<{ peerRole: Role | null } | null> {
    const away = this.#registry.disconnect(socketId);
    return Promise.resolve(away && { peerRole: away.peer?.role ?? null });
  }

  status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }> {
    return Promise.resolve({
      members: this.#registry.membersOf(roomId),
      yours: this.#registry.holds(roomId, resume),
    });
  }

  roomCount(): Promise<number> {
    return Promise.resolve(this.#registry.size);
  }

  close(): Promise<void> {
    this.#registry.close();
    return Promise.resolve();
  }
}

/** What a room store tells signaling, and asks of it. */
export interface StoreHooks {
  /** A held seat expired: tell the member left behind. */
  onExpire(expiry: SeatExpiry): void;
  /** Another instance died: tell the members left behind that their peer is away. */
  onPeerAway(expiry: SeatExpiry): void;
  /** The seats this instance's connections hold. */
  localSeats(): Iterable<{ socketId: string; seat: SeatRef }>;
  /** A local connection lost its seat (it could not be written back after an outage). */
  onSeatLost(socketId: string): void;
}
