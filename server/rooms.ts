/**
 * Who sits in which room. Pure bookkeeping, no sockets: the signaling layer asks it questions and
 * acts on the answers, and tests drive it directly.
 *
 * A room has two seats, one per perfect-negotiation role. A member whose connection drops keeps
 * its seat for a grace period; the same tab (same resume token) can take it back, nobody else can.
 *
 * @module
 */
import { Limits, randomToken, type Role } from "../protocol/signaling.ts";

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
    /** Whether the request's resume token took back its held seat. */
    resumed: boolean;
    replacedSocketId: string | null;
  }
  | { ok: false; reason: "room-full" | "already-joined" };

/** Options for {@linkcode RoomRegistry}. */
export interface RoomRegistryOptions {
  /** How long an away member's seat is held. */
  graceMs: number;
  /** Called when a held seat expires; `peer` is the member still in the room, if any. */
  onExpire?: (roomId: string, peer: Seat | null) => void;
}

interface Room {
  seats: Seat[];
  timers: Map<Seat, ReturnType<typeof setTimeout>>;
}

const ROLES: readonly Role[] = ["impolite", "polite"];

/** All rooms of one server process. */
export class RoomRegistry {
  #rooms = new Map<string, Room>();
  #bySocket = new Map<string, { roomId: string; seat: Seat }>();
  #options: RoomRegistryOptions;

  constructor(options: RoomRegistryOptions) {
    this.#options = options;
  }

  /** Number of rooms with at least one seat taken. */
  get size(): number {
    return this.#rooms.size;
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
    const resumed = seat.resume === request.resume;
    return { ok: true, seat, peer: this.#other(room, seat), resumed, replacedSocketId };
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
    const timer = setTimeout(() => {
      room.timers.delete(seat);
      if (seat.socketId !== null) return;
      this.#remove(roomId, room, seat);
      this.#options.onExpire?.(roomId, this.#other(room, seat));
    }, this.#options.graceMs);
    room.timers.set(seat, timer);
    return { roomId, peer };
  }

  /** Cancels every pending timer (server shutdown, tests). */
  close(): void {
    for (const room of this.#rooms.values()) {
      for (const timer of room.timers.values()) clearTimeout(timer);
      room.timers.clear();
    }
  }

  #other(room: Room, seat: Seat): Seat | null {
    return room.seats.find((s) => s !== seat) ?? null;
  }

  #clearTimer(room: Room, seat: Seat): void {
    const timer = room.timers.get(seat);
    if (timer !== undefined) clearTimeout(timer);
    room.timers.delete(seat);
  }

  #remove(roomId: string, room: Room, seat: Seat): void {
    this.#clearTimer(room, seat);
    room.seats = room.seats.filter((s) => s !== seat);
    if (room.seats.length === 0) this.#rooms.delete(roomId);
  }
}
