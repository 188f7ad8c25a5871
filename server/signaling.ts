/**
 * The signaling relay: Socket.IO on the HTTP server, rooms of two, every inbound message validated
 * against `protocol/signaling.ts` before it changes anything.
 *
 * Messages go to one socket id, the sender's peer, never to a broadcast: a message cannot leave
 * its room. Every request is rate-limited (`server/client_limits.ts`), and nothing is queued for a
 * member that does not read (`server/send_queue.ts`).
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server, type Socket } from "socket.io";
import {
  type Ack,
  ClientEvent,
  type ClientToServerEvents,
  type ErrorCode,
  type IceServersRenewed,
  type JoinAck,
  Limits,
  parseJoinRequest,
  parseRoomStatusRequest,
  parseSignal,
  type PeerAway,
  type PeerLeft,
  type ProtocolError,
  type RoomStatusAck,
  type SeatTaken,
  ServerEvent,
  type ServerToClientEvents,
  type SignalMessage,
} from "../protocol/signaling.ts";
import type { ClientLimits } from "./client_limits.ts";
import type { Config } from "./config.ts";
import { iceServersFor, offersRelay } from "./ice_servers.ts";
import { addressKey } from "./rate_limit.ts";
import type { RoomIds } from "./room_ids.ts";
import { RoomRegistry } from "./rooms.ts";
import { queuedBytes, SlowReaders } from "./send_queue.ts";

/** What signaling needs besides the configuration. */
export interface SignalingOptions {
  /** Tells minted room ids (which get TURN credentials) from made-up ones. */
  roomIds: RoomIds;
  /** The rate limits, shared with the HTTP routes (`POST /new`). */
  limits: ClientLimits;
}

type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Attaches Parley's signaling to `httpServer`; returns the Socket.IO server and its rooms. */
export function attachSignaling(
  httpServer: HttpServer,
  config: Config,
  options: SignalingOptions,
): {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  rooms: RoomRegistry;
  close(): void;
} {
  const { roomIds, limits } = options;
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 128 * 1024,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    cors: undefined,
    // WebSocket only: no long-polling buffers to fill, no JSONP. The client uses nothing else.
    transports: ["websocket"],
    // A connection that never says which namespace it wants is dropped after 10 s, not 45.
    connectTimeout: 10_000,
    allowRequest: (req, callback) =>
      originAllowed(req, config.allowedOrigins)
        ? callback(null, true)
        : callback("This origin may not use this server's signaling.", false),
  });
  const slow = new SlowReaders({
    boundBytes: config.limits.sendQueueBytes,
    stallMs: config.limits.slowReaderMs,
  });
  const renewals = new Map<string, ReturnType<typeof setTimeout>>();
  const sweep = setInterval(() => {
    // A member over the bound that nobody sends to any more is looked at again here.
    for (const id of slow.behind()) {
      const socket = io.sockets.sockets.get(id);
      if (!socket) slow.forget(id);
      else if (slow.check(id, queuedBytes(socket)) === "stalled") socket.disconnect(true);
    }
  }, Math.max(1000, config.limits.slowReaderMs / 2));
  Deno.unrefTimer(sweep);
  const rooms = new RoomRegistry({
    graceMs: config.seatGraceMs,
    onExpire: (_roomId, peer) => {
      if (peer?.socketId) {
        io.to(peer.socketId).emit(ServerEvent.peerLeft, { reason: "timeout" } satisfies PeerLeft);
      }
    },
  });

  /** Pushes fresh TURN credentials to a seated member before its current ones expire. */
  const scheduleRenewal = (socket: ParleySocket) => {
    if (!config.turn) return;
    const ttlMs = config.turn.ttlSeconds * 1000;
    const renewInMs = Math.max(ttlMs - 120_000, ttlMs / 2);
    clearTimeout(renewals.get(socket.id));
    renewals.set(
      socket.id,
      setTimeout(() => {
        renewals.delete(socket.id);
        if (!rooms.has(socket.id)) return;
        const renewed = { iceServers: iceServersFor(config, socket.id) };
        socket.emit(ServerEvent.iceServers, renewed satisfies IceServersRenewed);
        scheduleRenewal(socket);
      }, renewInMs),
    );
  };
  const stopRenewal = (id: string) => {
    clearTimeout(renewals.get(id));
    renewals.delete(id);
  };

  io.on("connection", (socket: ParleySocket) => {
    const address = addressKey(socket.handshake.address);

    // Synchronous from the checks to the peer's notification: no leave or disconnect can run
    // between claiming the seat and telling the other member, so nobody hears of a ghost.
    socket.on(ClientEvent.join, (payload: unknown, ack: unknown) => {
      const reply = replier<JoinAck>(payload, ack);
      const parsed = parseJoinRequest(payload);
      if (!parsed.ok) return reply({ ok: false, error: parsed.error });
      if (rooms.has(socket.id)) return reply(failure("already-joined"));
      const minted = roomIds.isMinted(parsed.value.room);
      if (config.mintedRoomsOnly && !minted) return reply(failure("unknown-room"));
      const joinWait = limits.join(socket.id, address);
      if (joinWait > 0) return reply(rateLimited(joinWait));
      // TURN only for members of rooms this deployment minted, a few per address a minute.
      const withTurn = config.turn !== null && minted;
      const turnWait = withTurn ? limits.turnWait(address) : 0;
      if (turnWait > 0) return reply(rateLimited(turnWait));
      const iceServers = iceServersFor(config, socket.id, Date.now(), withTurn);
      const outcome = rooms.join(socket.id, parsed.value);
      if (!outcome.ok) return reply(failure(outcome.reason));
      if (withTurn) {
        limits.takeTurn(address);
        scheduleRenewal(socket);
      }
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
        iceServers,
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
      // Charged before parsing, so a flood of malformed signals is limited too.
      const kind = isDescription(payload) ? "description" : "candidate";
      const parsed = parseSignal(payload);
      const bytes = parsed.ok ? signalBytes(parsed.value) : 0;
      const wait = limits.signal(socket.id, { kind, bytes });
      if (wait > 0) return reply(rateLimited(wait));
      if (!parsed.ok) return reply({ ok: false, error: parsed.error });
      const peer = rooms.peerOf(socket.id);
      const target = peer?.socketId ? io.sockets.sockets.get(peer.socketId) : undefined;
      if (target) {
        const state = slow.check(target.id, queuedBytes(target));
        if (state === "stalled") target.disconnect(true);
        if (state !== "ok") return reply(failure("peer-behind"));
        target.emit(ServerEvent.signal, parsed.value);
      }
      reply({ ok: true });
    });

    socket.on(ClientEvent.roomStatus, (payload: unknown, ack: unknown) => {
      const reply = replier<RoomStatusAck>(payload, ack);
      const wait = limits.status(socket.id);
      if (wait > 0) return reply(rateLimited(wait));
      const parsed = parseRoomStatusRequest(payload);
      if (!parsed.ok) return reply({ ok: false, error: parsed.error });
      const { room, resume } = parsed.value;
      reply({
        ok: true,
        members: rooms.membersOf(room),
        capacity: Limits.roomCapacity,
        yours: rooms.holds(room, resume),
        relay: offersRelay(config),
      });
    });

    socket.on(ClientEvent.leave, (...args: unknown[]) => {
      const reply = replier<Ack>(args[0], args[1]);
      const left = rooms.leave(socket.id);
      if (!left) return reply(failure("not-joined"));
      stopRenewal(socket.id);
      if (left.peer?.socketId) {
        io.to(left.peer.socketId).emit(ServerEvent.peerLeft, { reason: "hang-up" } as PeerLeft);
      }
      reply({ ok: true });
    });

    socket.on("disconnect", (reason: string) => {
      const away = rooms.disconnect(socket.id);
      stopRenewal(socket.id);
      limits.forget(socket.id);
      slow.forget(socket.id);
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

  const close = () => {
    clearInterval(sweep);
    for (const id of [...renewals.keys()]) stopRenewal(id);
    rooms.close();
  };
  return { io, rooms, close };
}

/**
 * Signaling from a browser page is accepted from the page's own origin and `ALLOWED_ORIGINS`
 * only, so another site cannot open signaling in a visitor's name. Requests without an `Origin`
 * (programs, not pages) are let through: they could send any `Origin` they like anyway.
 */
export function originAllowed(
  req: Pick<IncomingMessage, "headers">,
  allowed: readonly string[],
): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function isDescription(payload: unknown): boolean {
  return typeof payload === "object" && payload !== null && "description" in payload;
}

function signalBytes(message: SignalMessage): number {
  return "description" in message
    ? message.description.sdp.length
    : message.candidate.candidate.length + (message.candidate.usernameFragment?.length ?? 0);
}

function rateLimited(retryAfterMs: number): { ok: false; error: ProtocolError } {
  return {
    ok: false,
    error: {
      code: "rate-limited",
      message: MESSAGES["rate-limited"],
      retryAfterMs: Math.ceil(retryAfterMs),
    },
  };
}

const MESSAGES: Record<ErrorCode, string> = {
  "invalid-message": "The message was malformed.",
  "invalid-room": "That is not a Parley room id.",
  "room-full": "This room is full.",
  "not-joined": "Join a room first.",
  "already-joined": "This connection is already in a room.",
  "rate-limited": "Too many requests; try again a little later.",
  "peer-behind": "The other member is not keeping up; the message was not relayed.",
  "unknown-room": "This server did not make that room; start a new call.",
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
