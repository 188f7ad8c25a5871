/**
 * {@linkcode RoomStore} in this process's memory: the default, one instance. The rules are in
 * `server/room_store.ts`; `server/redis_rooms.ts` keeps the same ones on Redis.
 *
 * @module
 */
import { randomToken } from "../protocol/signaling.ts";
import {
  type Member,
  type Released,
  type RoomStore,
  SEAT_RULES,
  type SeatExpiry,
  type SeatRef,
  type SeatRequest,
  type StoreJoin,
} from "./room_store.ts";

/** Where the store's time comes from; XState's `SimulatedClock` fits, for tests. */
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

/** Options for {@linkcode MemoryRoomStore}. */
export interface MemoryRoomStoreOptions {
  /** How long an away member's seat is held. */
  graceMs: number;
  /** Time for the grace periods; the system's by default. */
  clock?: Clock;
  /** A held seat expired. */
  onExpire?: (expiry: SeatExpiry) => void;
  /** At most this many expired tokens remembered; {@linkcode SEAT_RULES} by default. */
  expiredMemoryEntries?: number;
}

interface Seat {
  session: string;
  resume: string;
  /** Socket sitting here, or null while the member is away. */
  socketId: string | null;
  /** The grace period's timer while away. */
  timer?: unknown;
}

/** A room: its seats by number (a free seat is `undefined`). */
type Room = (Seat | undefined)[];

/** The rooms of this process, see the module's documentation. */
export class MemoryRoomStore implements RoomStore {
  readonly kind = "memory";
  #rooms = new Map<string, Room>();
  /** Resume token of a seat that expired → its room and when it is forgotten (oldest first). */
  #expired = new Map<string, { roomId: string; until: number }>();
  #options: MemoryRoomStoreOptions;
  #clock: Clock;

  constructor(options: MemoryRoomStoreOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
  }

  problem(): string | null {
    return null;
  }

  join(socketId: string, request: SeatRequest): Promise<StoreJoin> {
    const room: Room = this.#rooms.get(request.room) ?? [];
    let index = request.resume ? room.findIndex((s) => s?.resume === request.resume) : -1;
    let replacedSocketId: string | null = null;
    let previousSession: string | null = null;
    let outcome: "new" | "resumed" | "expired" = "new";
    if (index >= 0) {
      const seat = room[index]!;
      replacedSocketId = seat.socketId;
      previousSession = seat.session;
      this.#clearTimer(seat);
      seat.socketId = socketId;
      seat.session = request.session;
      outcome = "resumed";
    } else {
      index = firstFree(room, request.capacity);
      if (index < 0) return Promise.resolve({ ok: false, reason: "room-full" });
      room[index] = { session: request.session, resume: randomToken(18), socketId };
      if (this.#wasExpired(request.room, request.resume)) outcome = "expired";
    }
    this.#rooms.set(request.room, room);
    const seat = room[index]!;
    return Promise.resolve({
      ok: true,
      seat: {
        roomId: request.room,
        index,
        capacity: request.capacity,
        resume: seat.resume,
        session: seat.session,
      },
      peers: members(room).filter((m) => m.index !== index),
      outcome,
      replacedSocketId,
      previousSession,
    });
  }

  leave(socketId: string, ref: SeatRef): Promise<Released | null> {
    const room = this.#held(socketId, ref);
    if (!room) return Promise.resolve(null);
    this.#free(ref.roomId, room, ref.index);
    return Promise.resolve({ peers: taken(room) });
  }

  disconnect(socketId: string, ref: SeatRef): Promise<Released | null> {
    const room = this.#held(socketId, ref);
    if (!room) return Promise.resolve(null);
    const seat = room[ref.index]!;
    seat.socketId = null;
    seat.timer = this.#clock.setTimeout(() => {
      seat.timer = undefined;
      if (room[ref.index] !== seat || seat.socketId !== null) return;
      this.#free(ref.roomId, room, ref.index);
      this.#rememberExpired(ref.roomId, seat.resume);
      this.#options.onExpire?.({
        roomId: ref.roomId,
        index: ref.index,
        session: seat.session,
        peers: taken(room),
      });
    }, this.#options.graceMs);
    return Promise.resolve({ peers: taken(room).filter((i) => i !== ref.index) });
  }

  status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }> {
    const room = this.#rooms.get(roomId) ?? [];
    return Promise.resolve({
      members: taken(room).length,
      yours: resume !== undefined && room.some((seat) => seat?.resume === resume),
    });
  }

  roomCount(): Promise<number> {
    return Promise.resolve(this.#rooms.size);
  }

  /** Cancels every pending timer (server shutdown, tests). */
  close(): Promise<void> {
    for (const room of this.#rooms.values()) {
      for (const seat of room) if (seat) this.#clearTimer(seat);
    }
    return Promise.resolve();
  }

  /** The room where `socketId` still holds the seat `ref` names. */
  #held(socketId: string, ref: SeatRef): Room | null {
    const room = this.#rooms.get(ref.roomId);
    const seat = room?.[ref.index];
    return seat && seat.socketId === socketId && seat.resume === ref.resume ? room! : null;
  }

  #rememberExpired(roomId: string, token: string): void {
    const now = this.#clock.now();
    const most = this.#options.expiredMemoryEntries ?? SEAT_RULES.expiredMemoryEntries;
    for (const [oldest, entry] of this.#expired) {
      if (entry.until > now && this.#expired.size < most) break;
      this.#expired.delete(oldest);
    }
    this.#expired.set(token, { roomId, until: now + SEAT_RULES.expiredMemoryMs });
  }

  /** Whether `token` is remembered as expired in `roomId`; it is forgotten once asked about. */
  #wasExpired(roomId: string, token: string | undefined): boolean {
    if (token === undefined) return false;
    const entry = this.#expired.get(token);
    if (!entry) return false;
    this.#expired.delete(token);
    return entry.roomId === roomId && entry.until > this.#clock.now();
  }

  /** How many expired tokens are remembered now (tests). */
  get expiredRemembered(): number {
    return this.#expired.size;
  }

  #clearTimer(seat: Seat): void {
    if (seat.timer !== undefined) this.#clock.clearTimeout(seat.timer);
    seat.timer = undefined;
  }

  #free(roomId: string, room: Room, index: number): void {
    const seat = room[index];
    if (seat) this.#clearTimer(seat);
    room[index] = undefined;
    while (room.length > 0 && room[room.length - 1] === undefined) room.pop();
    if (room.length === 0) this.#rooms.delete(roomId);
  }
}

function firstFree(room: Room, capacity: number): number {
  if (taken(room).length >= capacity) return -1;
  for (let i = 0; i < capacity; i++) if (!room[i]) return i;
  return -1;
}

function taken(room: Room): number[] {
  return members(room).map((m) => m.index);
}

function members(room: Room): Member[] {
  const out: Member[] = [];
  room.forEach((seat, index) => seat && out.push({ index, session: seat.session }));
  return out;
}
