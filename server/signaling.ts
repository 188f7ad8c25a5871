/**
 * The signaling relay: Socket.IO on the HTTP server, rooms of a few seats, every inbound message
 * validated against `protocol/signaling.ts` before it changes anything.
 *
 * A signal goes to the one member of the sender's room it names, never to a broadcast: a message
 * cannot leave its room (`server/seat_rooms.ts`). Every request is rate-limited
 * (`server/client_limits.ts`), and nothing is queued for a member that does not read
 * (`server/send_queue.ts`).
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { ServerOptions, Socket } from "socket.io";
import {
  type Ack,
  ClientEvent,
  type ClientToServerEvents,
  type IceServersRenewed,
  type JoinAck,
  parseJoinRequest,
  parseSignal,
  type PeerAway,
  type PeerInfo,
  type PeerLeft,
  roleToward,
  type SeatTaken,
  ServerEvent,
  type ServerToClientEvents,
} from "../protocol/signaling.ts";
import type { ClientLimits } from "./client_limits.ts";
import type { Config } from "./config.ts";
import { iceServersFor, turnUser } from "./ice_servers.ts";
import { log } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import { addressKey } from "./rate_limit.ts";
import type { RoomIds } from "./room_ids.ts";
import { MemoryRoomStore } from "./memory_rooms.ts";
import type { RoomStore, SeatRef, StoreHooks } from "./room_store.ts";

export type { StoreHooks };
import { SlowReaders, sweepSlowReaders } from "./send_queue.ts";
import { relayer, roomsOf, seatsOf, storeHooks } from "./seat_rooms.ts";
import { failure, rateLimited, replier } from "./signaling_replies.ts";
import { isDescription, originAllowed, signalBytes } from "./signaling_checks.ts";
import { connectionId, createIo, type ParleyIo } from "./socket_io.ts";
import { roomStatusHandler } from "./room_status.ts";
import { TurnRenewals } from "./turn_renewal.ts";

export { originAllowed };

/** What signaling needs besides the configuration. */
export interface SignalingOptions {
  /** Tells minted room ids (which get TURN credentials) from made-up ones. */
  roomIds: RoomIds;
  /** The rate limits, shared with the HTTP routes (`POST /new`). */
  limits: ClientLimits;
  /** Makes the room store, given what it tells signaling; default: in this process's memory. */
  store?: (hooks: StoreHooks) => RoomStore;
  /** Socket.IO adapter carrying messages between instances (Redis); default: this process. */
  adapter?: ServerOptions["adapter"];
  metrics?: Metrics;
  /** Why the HTTP request opening a connection is refused, or null (server/node_adapter.ts). */
  refuse?: (req: IncomingMessage) => string | null;
}

type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Signaling attached to an HTTP server, see {@linkcode attachSignaling}. */
export interface Signaling {
  io: ParleyIo;
  store: RoomStore;
  /** Whether SIGTERM's drain started (joins are refused, readiness fails). */
  draining(): boolean;
  /**
   * Tells every client to move (closes its connection: it reconnects through the load balancer
   * and takes its seat back elsewhere), resolving once all have gone or `deadlineMs` passed.
   */
  drain(deadlineMs: number): Promise<{ left: number }>;
  close(): Promise<void>;
}

/** Attaches Parley's signaling to `httpServer`. */
export function attachSignaling(
  httpServer: HttpServer,
  config: Config,
  options: SignalingOptions,
): Signaling {
  const { roomIds, limits, metrics } = options;
  const io = createIo(httpServer, config, {
    limits,
    refuse: options.refuse,
    adapter: options.adapter,
  });
  /** The client's address: its own, or the one a trusted proxy names (TRUST_PROXY). */
  const addressOf = (socket: ParleySocket) =>
    config.trustProxy.clientOf(
      socket.handshake.address,
      socket.handshake.headers["x-forwarded-for"],
    );
  const slow = new SlowReaders({
    boundBytes: config.limits.sendQueueBytes,
    stallMs: config.limits.slowReaderMs,
  });
  /** The seat each of this instance's connections holds. */
  const seated = new Map<string, SeatRef>();
  /** Each connection's join, leave and disconnect, one after the other (they await the store). */
  const chains = new Map<string, Promise<void>>();
  const serial = (id: string, work: () => Promise<void>) => {
    const next = (chains.get(id) ?? Promise.resolve()).then(work).catch((error) => {
      log("error", "signaling.failed", { error: String(error?.message ?? error) });
    });
    chains.set(id, next);
    next.then(() => {
      if (chains.get(id) === next) chains.delete(id);
    });
  };
  let draining = false;
  const renewals = new TurnRenewals(config.turn);
  const sweep = sweepSlowReaders(slow, {
    socket: (id) => io.sockets.sockets.get(id),
    // Signals from other instances arrive without a look at the queue: look at every member.
    alsoLookAt: () => (options.adapter ? seated.keys() : []),
    everyMs: Math.max(1000, config.limits.slowReaderMs / 2),
  });
  const toSeats = seatsOf(io);
  const store = (options.store ?? memoryStore(config))(
    storeHooks(io, seated, { graceMs: config.seatGraceMs, metrics }),
  );

  /** The TURN user of a client (one per address, so coturn's user-quota bounds the address). */
  const userOf = (address: string) => (config.turn ? turnUser(config.turn.secret, address) : "");

  /** Pushes fresh TURN credentials to a seated member before its current ones expire. */
  const scheduleRenewal = (socket: ParleySocket, address: string) =>
    renewals.schedule(socket.id, () => {
      const renewed = { iceServers: iceServersFor(config, userOf(address)) };
      socket.emit(ServerEvent.iceServers, renewed satisfies IceServersRenewed);
    }, () => seated.has(socket.id));
  const stopRenewal = (id: string) => renewals.stop(id);

  const relay = relayer(io, slow, metrics);

  io.on("connection", (socket: ParleySocket) => {
    const client = addressOf(socket);
    const address = addressKey(client);
    // Limits belong to the WebSocket, not to this namespace socket on it.
    const connection = connectionId(socket.conn);
    metrics?.connections.inc();

    // One join at a time per connection, and its leave or disconnect only after it: the peer is
    // told of a join before it can be told of that member leaving, so nobody hears of a ghost.
    socket.on(ClientEvent.join, (payload: unknown, ack: unknown) =>
      serial(socket.id, async () => {
        const reply = (value: JoinAck) => {
          metrics?.joins.inc({ outcome: value.ok ? value.seat : value.error.code });
          replier<JoinAck>(payload, ack)(value);
        };
        const parsed = parseJoinRequest(payload);
        if (!parsed.ok) return reply({ ok: false, error: parsed.error });
        if (seated.has(socket.id)) return reply(failure("already-joined"));
        const minted = roomIds.isMinted(parsed.value.room);
        if (config.mintedRoomsOnly && !minted) return reply(failure("unknown-room"));
        // The seats its id vouches for (none: a group's link edited), never past this server's cap.
        const size = roomIds.sizeOf(parsed.value.room);
        if (size === null) return reply(failure("unknown-room"));
        const capacity = Math.min(size, config.maxRoomSize);
        if (draining) return reply(failure("unavailable"));
        const joinWait = limits.join(connection, address);
        if (joinWait > 0) return reply(rateLimited(joinWait));
        const { offer, moreOffers = [] } = parsed.value;
        // Each offer the join carries is charged as a signal's description.
        for (const each of offer ? [offer, ...moreOffers] : []) {
          const offerWait = limits.signal(connection, {
            kind: "description",
            bytes: each.sdp.length,
          });
          if (offerWait > 0) return reply(rateLimited(offerWait));
        }
        // TURN only for members of rooms this deployment minted, a few per address a minute.
        const withTurn = config.turn !== null && minted;
        const turnWait = withTurn ? limits.turnWait(address) : 0;
        if (turnWait > 0) return reply(rateLimited(turnWait));
        const iceServers = iceServersFor(config, userOf(client), Date.now(), withTurn);
        // Charged before the store is asked: joins from many connections of one address wait for
        // the store together, and each must see the others' credentials counted.
        if (withTurn) limits.takeTurn(address);
        const { room, session, resume } = parsed.value;
        const outcome = await store.join(socket.id, { room, session, resume, capacity });
        if (!outcome.ok) {
          if (outcome.reason === "unavailable") log("warn", "join.unavailable");
          return reply(failure(outcome.reason));
        }
        const { seat, peers, replacedSocketId, previousSession } = outcome;
        if (!socket.connected) {
          // Gone while the store answered: hold the seat as for any other disconnection.
          await store.disconnect(socket.id, seat);
          return;
        }
        seated.set(socket.id, seat);
        socket.join(roomsOf(seat));
        if (withTurn) scheduleRenewal(socket, client);
        if (outcome.outcome === "resumed") metrics?.reconnects.inc();
        if (replacedSocketId && replacedSocketId !== socket.id) {
          // The seat's previous connection (another tab, or one on an instance that died) goes.
          const replaced = io.sockets.sockets.get(replacedSocketId);
          const replacedSeat = seated.get(replacedSocketId) ?? seat;
          seated.delete(replacedSocketId);
          for (const room of roomsOf(replacedSeat)) replaced?.leave(room);
          io.to(replacedSocketId).emit(
            ServerEvent.seatTaken,
            { reason: "another-tab" } as SeatTaken,
          );
          io.in(replacedSocketId).disconnectSockets(true);
        }
        reply({
          ok: true,
          place: seat.index,
          peers: peers.map((peer) => ({
            session: peer.session,
            role: roleToward(seat.index, peer.index),
          })),
          iceServers,
          resume: seat.resume,
          seat: outcome.outcome,
          seatGraceMs: config.seatGraceMs,
          iceTransportPolicy: config.iceTransportPolicy,
        });
        // A new page in a held seat: its old page's peer connections are gone.
        const replaces = previousSession !== null && previousSession !== seat.session
          ? { replaces: previousSession }
          : {};
        for (const peer of peers) {
          const arrival: PeerInfo = {
            session: seat.session,
            role: roleToward(peer.index, seat.index),
            ...replaces,
          };
          toSeats(seat.roomId, [peer.index]).emit(ServerEvent.peerJoined, arrival);
        }
        // A member that is away misses it, as any signal: the offer is made again on its return.
        if (offer && peers.length) relay(seat, { to: peers[0].session, description: offer });
        moreOffers.forEach((description, i) => {
          const to = peers[i + 1];
          if (to) relay(seat, { to: to.session, description });
        });
      }));

    socket.on(ClientEvent.signal, (payload: unknown, ack: unknown) => {
      const reply = replier<Ack>(payload, ack);
      const refuse = (value: { ok: false; error: { code: string } }) => {
        metrics?.signalsRefused.inc({ reason: value.error.code });
        reply(value as Ack);
      };
      const seat = seated.get(socket.id);
      if (!seat) return refuse(failure("not-joined"));
      // Charged before parsing, so a flood of malformed signals is limited too.
      const kind = isDescription(payload) ? "description" : "candidate";
      const parsed = parseSignal(payload, seat.capacity);
      const bytes = parsed.ok ? signalBytes(parsed.value) : 0;
      const wait = limits.signal(connection, { kind, bytes });
      if (wait > 0) return refuse(rateLimited(wait));
      if (!parsed.ok) return refuse({ ok: false, error: parsed.error });
      if (!relay(seat, parsed.value)) return refuse(failure("peer-behind"));
      reply({ ok: true });
    });

    socket.on(
      ClientEvent.roomStatus,
      roomStatusHandler({ connection, address }, { store, limits, config, roomIds }),
    );

    socket.on(ClientEvent.leave, (...args: unknown[]) =>
      serial(socket.id, async () => {
        const reply = replier<Ack>(args[0], args[1]);
        const seat = seated.get(socket.id);
        if (!seat) return reply(failure("not-joined"));
        seated.delete(socket.id);
        for (const room of roomsOf(seat)) socket.leave(room);
        stopRenewal(socket.id);
        // Redis away: the seat stays bound to this connection until Redis is back, then it is
        // held as away and expires (server/redis_rooms.ts, repair).
        const left = await store.leave(socket.id, seat).catch(() => null);
        if (left?.peers.length) {
          toSeats(seat.roomId, left.peers).emit(
            ServerEvent.peerLeft,
            { session: seat.session, reason: "hang-up" } satisfies PeerLeft,
          );
        }
        reply({ ok: true });
      }));

    socket.on("disconnect", (reason: string) => {
      metrics?.connections.dec();
      stopRenewal(socket.id);
      slow.forget(socket.id);
      serial(socket.id, async () => {
        const seat = seated.get(socket.id);
        if (!seat) return;
        seated.delete(socket.id);
        const away = await store.disconnect(socket.id, seat).catch(() => null);
        // The server itself is stopping or draining: nobody went away, and telling the other
        // member so would make it drop a call whose media still flows peer to peer. Both
        // reconnect to the next server by themselves.
        if (reason === "server shutting down" || draining) return;
        if (away?.peers.length) {
          // A closed page closes its socket; a network that vanished only stops answering pings.
          const silent = reason === "ping timeout";
          toSeats(seat.roomId, away.peers).emit(
            ServerEvent.peerAway,
            {
              session: seat.session,
              reason: silent ? "lost" : "closed",
              graceMs: config.seatGraceMs,
            } satisfies PeerAway,
          );
        }
      });
    });
  });

  const drain = async (deadlineMs: number) => {
    draining = true;
    log("info", "drain.started", { connections: io.engine.clientsCount });
    const deadline = Date.now() + deadlineMs;
    // Closing the transport ("transport close") makes a client reconnect; a namespace disconnect
    // would tell it another tab took its seat.
    for (const socket of io.sockets.sockets.values()) socket.conn.close();
    while (io.engine.clientsCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The seats' store calls (held as away) finish before the store closes.
    await Promise.all([...chains.values()]);
    return { left: io.engine.clientsCount };
  };

  const close = async () => {
    clearInterval(sweep);
    renewals.close();
    await store.close();
  };
  return { io, store, draining: () => draining, drain, close };
}

function memoryStore(config: Config): (hooks: StoreHooks) => RoomStore {
  return (hooks) => new MemoryRoomStore({ graceMs: config.seatGraceMs, onExpire: hooks.onExpire });
}
