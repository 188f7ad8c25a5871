/**
 * How signaling addresses the members of a room, on Socket.IO rooms that work across instances
 * (the Redis adapter): each seat has one (`seat:<room>:<index>`, for news of the room: who came,
 * left, dropped), and each member's page one (`member:<room>:<session>`, for the signals meant for
 * it). Both names carry the room id, so nothing addressed this way can reach another room; a signal
 * to a session not seated in the sender's room reaches nobody.
 *
 * @module
 */
import {
  type IncomingSignal,
  type OutgoingSignal,
  type PeerAway,
  type PeerLeft,
  ServerEvent,
} from "../protocol/signaling.ts";
import { log } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { SeatRef, StoreHooks } from "./room_store.ts";
import { queuedBytes, type SlowReaders } from "./send_queue.ts";
import type { ParleyIo } from "./socket_io.ts";

/** The Socket.IO room of one seat: a member is addressed by seat, wherever it is connected. */
export function seatRoom(roomId: string, index: number): string {
  return `seat:${roomId}:${index}`;
}

/** The Socket.IO room of one member's page (its session), for the signals addressed to it. */
export function memberRoom(roomId: string, session: string): string {
  return `member:${roomId}:${session}`;
}

/** The Socket.IO rooms a seated connection is in. */
export function roomsOf(seat: SeatRef): string[] {
  return [seatRoom(seat.roomId, seat.index), memberRoom(seat.roomId, seat.session)];
}

/** The Socket.IO rooms of the other seats of `seat`'s room. */
function otherSeats(seat: SeatRef): string[] {
  return Array.from({ length: seat.capacity }, (_, i) => i)
    .filter((i) => i !== seat.index)
    .map((i) => seatRoom(seat.roomId, i));
}

/**
 * What relays a signal from `seat` to the member of its room it names (`to`, a session; without
 * one, the other seat of a room of two), saying whom it is from. False when the receiver is not
 * reading (`send_queue.ts`): it was not relayed.
 */
export function relayer(
  io: ParleyIo,
  slow: SlowReaders,
  metrics?: Metrics,
): (seat: SeatRef, signal: OutgoingSignal) => boolean {
  return (seat, { to, ...message }) => {
    const targets = to === undefined ? otherSeats(seat) : [memberRoom(seat.roomId, to)];
    // The receiver's queue can be read only when it is connected here; the slow-reader sweep
    // looks at every local receiver, whoever sends to it.
    for (const id of targets.flatMap((target) => [...io.sockets.adapter.rooms.get(target) ?? []])) {
      const receiver = io.sockets.sockets.get(id);
      if (!receiver) continue;
      const state = slow.check(id, queuedBytes(receiver));
      if (state === "stalled") receiver.disconnect(true);
      if (state !== "ok") return false;
    }
    const signal = { from: seat.session, ...message } as IncomingSignal;
    io.to(targets).emit(ServerEvent.signal, signal);
    metrics?.signalsRelayed.inc();
    return true;
  };
}

/** What emits to every seat of a room numbered in `indexes` (none: sent nowhere). */
export function seatsOf(io: ParleyIo) {
  return (roomId: string, indexes: number[]) =>
    io.to(indexes.map((index) => seatRoom(roomId, index)));
}

/**
 * What the room store tells signaling (`StoreHooks`): a held seat expired, or its instance died
 * (the others of the room are told whose seat it was), and which seats this instance holds.
 */
export function storeHooks(
  io: ParleyIo,
  seated: Map<string, SeatRef>,
  { graceMs, metrics }: { graceMs: number; metrics?: Metrics },
): StoreHooks {
  const toSeats = seatsOf(io);
  return {
    onExpire: ({ roomId, session, peers }) => {
      metrics?.seatsExpired.inc();
      log("info", "seat.expired", { peerLeft: peers.length > 0 });
      const left: PeerLeft = { session, reason: "timeout" };
      if (peers.length) toSeats(roomId, peers).emit(ServerEvent.peerLeft, left);
    },
    onPeerAway: ({ roomId, session, peers }) => {
      if (!peers.length) return;
      const away: PeerAway = { session, reason: "lost", graceMs };
      toSeats(roomId, peers).emit(ServerEvent.peerAway, away);
    },
    localSeats: () =>
      [...seated].filter(([id]) => io.sockets.sockets.has(id)).map(([socketId, seat]) => ({
        socketId,
        seat,
      })),
    onSeatLost: (socketId) => {
      const seat = seated.get(socketId);
      seated.delete(socketId);
      const socket = io.sockets.sockets.get(socketId);
      for (const room of seat ? roomsOf(seat) : []) socket?.leave(room);
      socket?.disconnect(true);
    },
  };
}
