/**
 * The signaling relay: Socket.IO on the HTTP server, rooms of two, every inbound message validated
 * against `protocol/signaling.ts` before it changes anything.
 *
 * Messages go to one socket id, the sender's peer, never to a broadcast: a message cannot leave
 * its room.
 *
 * @module
 */
import type { Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import {
  type Ack,
  ClientEvent,
  type ClientToServerEvents,
  type ErrorCode,
  type JoinAck,
  parseJoinRequest,
  parseSignal,
  type PeerAway,
  type PeerLeft,
  type SeatTaken,
  ServerEvent,
  type ServerToClientEvents,
} from "../protocol/signaling.ts";
import type { Config } from "./config.ts";
import { iceServersFor } from "./ice_servers.ts";
import { RoomRegistry } from "./rooms.ts";

/** Attaches Parley's signaling to `httpServer`; returns the Socket.IO server and its rooms. */
export function attachSignaling(
  httpServer: HttpServer,
  config: Config,
): { io: Server<ClientToServerEvents, ServerToClientEvents>; rooms: RoomRegistry } {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 128 * 1024,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    cors: undefined,
  });
  const rooms = new RoomRegistry({
    graceMs: config.seatGraceMs,
    onExpire: (_roomId, peer) => {
      if (peer?.socketId) {
        io.to(peer.socketId).emit(ServerEvent.peerLeft, { reason: "timeout" } satisfies PeerLeft);
      }
    },
  });

  io.on("connection", (socket: Socket<ClientToServerEvents, ServerToClientEvents>) => {
    socket.on(ClientEvent.join, async (payload: unknown, ack: unknown) => {
      const reply = replier<JoinAck>(payload, ack);
      const parsed = parseJoinRequest(payload);
      if (!parsed.ok) return reply({ ok: false, error: parsed.error });
      const outcome = rooms.join(socket.id, parsed.value);
      if (!outcome.ok) return reply(failure(outcome.reason));
      const { seat, peer, replacedSocketId } = outcome;
      if (replacedSocketId) {
        const replaced = io.sockets.sockets.get(replacedSocketId);
        replaced?.emit(ServerEvent.seatTaken, { reason: "another-tab" } satisfies SeatTaken);
        replaced?.disconnect(true);
      }
      reply({
        ok: true,
        role: seat.role,
        peer: peer ? { session: peer.session } : null,
        iceServers: await iceServersFor(config, socket.id),
        resume: seat.resume,
        seat: outcome.outcome,
        seatGraceMs: config.seatGraceMs,
        iceTransportPolicy: config.iceTransportPolicy,
      });
      if (peer?.socketId) {
        io.to(peer.socketId).emit(ServerEvent.peerJoined, { session: seat.session });
      }
    });

    socket.on(ClientEvent.signal, (payload: unknown, ack: unknown) => {
      const reply = replier<Ack>(payload, ack);
      if (!rooms.has(socket.id)) return reply(failure("not-joined"));
      const parsed = parseSignal(payload);
      if (!parsed.ok) return reply({ ok: false, error: parsed.error });
      const peer = rooms.peerOf(socket.id);
      if (peer?.socketId) io.to(peer.socketId).emit(ServerEvent.signal, parsed.value);
      reply({ ok: true });
    });

    socket.on(ClientEvent.leave, (...args: unknown[]) => {
      const reply = replier<Ack>(args[0], args[1]);
      const left = rooms.leave(socket.id);
      if (!left) return reply(failure("not-joined"));
      if (left.peer?.socketId) {
        io.to(left.peer.socketId).emit(ServerEvent.peerLeft, { reason: "hang-up" } as PeerLeft);
      }
      reply({ ok: true });
    });

    socket.on("disconnect", (reason: string) => {
      const away = rooms.disconnect(socket.id);
      // The server itself is stopping (io.close()): nobody went away, and telling the member whose
      // socket happens to close later that the other "closed" would make it drop a call whose
      // media still flows peer to peer. Both reconnect to the next server by themselves.
      if (reason === "server shutting down") return;
      if (away?.peer?.socketId) {
        // A closed page closes its socket; a network that vanished only stops answering pings.
        const silent = reason === "ping timeout";
        io.to(away.peer.socketId).emit(
          ServerEvent.peerAway,
          { reason: silent ? "lost" : "closed", graceMs: config.seatGraceMs } satisfies PeerAway,
        );
      }
    });
  });

  return { io, rooms };
}

const MESSAGES: Record<ErrorCode, string> = {
  "invalid-message": "The message was malformed.",
  "invalid-room": "That is not a Parley room id.",
  "room-full": "This room is full.",
  "not-joined": "Join a room first.",
  "already-joined": "This connection is already in a room.",
  "rate-limited": "Too many requests from this address; try again in a minute.",
};

function failure(code: ErrorCode): { ok: false; error: { code: ErrorCode; message: string } } {
  return { ok: false, error: { code, message: MESSAGES[code] } };
}

/**
 * An acknowledgement callback that tolerates clients that sent none. Socket.IO passes the
 * callback last, so a client that sent no payload has it in the payload's place.
 */
function replier<T>(payload: unknown, ack: unknown): (value: T) => void {
  if (typeof payload === "function") ack = payload;
  return (value) => {
    if (typeof ack === "function") ack(value);
  };
}
