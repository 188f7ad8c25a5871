/**
 * The browser's `signaling` actor, for the time the person is in the call: on the page's
 * Socket.IO connection (`socket_pool.ts`) it connects when the session machine says so (the
 * machine owns the back-off), joins the room with this tab's resume token (`seat_token.ts`),
 * relays signals both ways and reports what happens. And the `lobby` actor, for the pre-join
 * screen: how many people are in the room, asked without taking a seat.
 *
 * Nothing asked of it is lost while the server is away: signals wait in a queue and go out after
 * the rejoin is acknowledged (unless the seat expired meanwhile, and the connection they belong
 * to with it).
 *
 * @module
 */
import { fromCallback } from "xstate";
import type {
  LobbyEvent,
  SignalingCommand,
  SignalingEvent,
  SignalingInput,
} from "../../machines/signaling_types.ts";
import {
  ClientEvent,
  type IceServersRenewed,
  type IncomingSignal,
  type JoinAck,
  type OutgoingSignal,
  type PeerAway,
  type PeerInfo,
  type PeerLeft,
  randomToken,
  type RoomStatusAck,
  ServerEvent,
  type ServerToClientEvents,
} from "../../protocol/signaling.ts";
import { seatToken } from "./seat_token.ts";
import {
  acquireSocket,
  CONNECT_TIMEOUT_MS as ATTEMPT_TIMEOUT_MS,
  type ParleySocket,
  releaseSocket,
} from "./socket_pool.ts";

/** How often the pre-join screen asks again how many are in the room. */
const STATUS_EVERY_MS = 3000;
/** Signals kept while off the server; more than a negotiation ever needs. */
const QUEUE_LIMIT = 500;

/** A jitter factor for the machine's back-off: 0.7 to 1.3. */
function jitter(): number {
  return 0.7 + Math.random() * 0.6;
}

/** Listens to `handlers` on `socket`; returns what stops exactly those listeners. */
function listen(
  socket: ParleySocket,
  handlers: Partial<
    & { [E in keyof ServerToClientEvents]: ServerToClientEvents[E] }
    & { connect: () => void; connect_error: () => void; disconnect: () => void }
  >,
): () => void {
  const on = socket.on.bind(socket) as (event: string, handler: unknown) => void;
  const off = socket.off.bind(socket) as (event: string, handler: unknown) => void;
  for (const [event, handler] of Object.entries(handlers)) on(event, handler);
  return () => {
    for (const [event, handler] of Object.entries(handlers)) off(event, handler);
  };
}

/** The `signaling` actor the browser provides to the session machine. */
export const signaling = fromCallback<SignalingCommand, SignalingInput>(
  ({ input, sendBack, receive }) => {
    const send = (event: SignalingEvent) => sendBack(event);
    // A new id for every session: the other side tells a reload from a blip by it.
    const session = randomToken(12);
    const seat = seatToken(input.roomId);
    let socket = acquireSocket();
    let joinedOnce = false;
    /** Whether the room is joined on the current connection. */
    let inRoom = false;
    let left = false;
    const queue: OutgoingSignal[] = [];
    /** Whether a connection attempt the machine asked for has not had its outcome yet. */
    let attempting = false;
    /** The attempt failed: said once, whichever of its endings comes first. */
    const attemptFailed = () => {
      if (!attempting) return;
      attempting = false;
      send({ type: "signal.connectFailed", jitter: jitter() });
    };

    const join = async () => {
      // The first join carries the offer made on the pre-join screen, if there is one.
      const offer = joinedOnce || input.relayOnly ? null : await input.warm?.offerForJoin() ?? null;
      // In a group, the others' offers too (each goes to the next member in join order).
      const moreOffers = offer ? input.warm?.moreOffersForJoin?.() ?? [] : [];
      if (stopped || !socket.connected) return;
      const resume = seat.take();
      socket.timeout(ATTEMPT_TIMEOUT_MS).emit(
        ClientEvent.join,
        {
          room: input.roomId,
          session,
          ...(resume ? { resume } : {}),
          ...(offer ? { offer } : {}),
          ...(moreOffers.length ? { moreOffers } : {}),
        },
        (timedOut: Error | null, ack: JoinAck) => {
          if (timedOut) {
            // Connected, but the join went unanswered: drop this connection and try anew.
            socket.disconnect();
            return attemptFailed();
          }
          // Too many joins too fast (a flapping network): try again after the machine's wait.
          if (!ack.ok && ack.error.code === "rate-limited") return attemptFailed();
          attempting = false;
          // Nobody took the offer: the connection that made it is of no more use.
          if (offer && !(ack.ok && ack.peers.length > 0)) input.warm?.discard();
          if (!ack.ok) return send({ type: "signal.rejected", error: ack.error });
          seat.keep(ack.resume);
          if (offer) input.warm?.sentTo?.(ack.peers.map((peer) => peer.session));
          const { ok: _, ...joined } = ack;
          inRoom = true;
          // Held signals belong to a connection the other side dropped if our seat expired.
          if (joined.seat === "expired") queue.length = 0;
          for (const message of queue.splice(0)) socket.emit(ClientEvent.signal, message);
          send(
            joinedOnce ? { type: "signal.restored", joined } : {
              type: "signal.joined",
              joined,
              offered: offer !== null,
              offeredMore: Math.min(moreOffers.length, Math.max(0, joined.peers.length - 1)),
            },
          );
          joinedOnce = true;
        },
      );
    };

    const handlers = {
      connect: () => void join(),
      connect_error: attemptFailed,
      disconnect: () => {
        // Closed before its join was answered (even before the server said the connection was
        // open, as a busy page's late heartbeat makes it): that attempt failed, and the machine,
        // waiting for its outcome, tries again after its wait instead of waiting for ever.
        if (!inRoom) return attemptFailed();
        inRoom = false;
        send({ type: "signal.lost", jitter: jitter() });
      },
      [ServerEvent.seatTaken]: () => {
        inRoom = false;
        stopListening();
        send({ type: "signal.seatTaken" });
      },
      [ServerEvent.signal]: ({ from, ...message }: IncomingSignal) =>
        send({ type: "signal.message", from, message }),
      [ServerEvent.iceServers]: (renewed: IceServersRenewed) => {
        send({ type: "signal.iceServers", iceServers: renewed.iceServers });
      },
      [ServerEvent.peerJoined]: (peer: PeerInfo) => send({ type: "peer.joined", peer }),
      [ServerEvent.peerAway]: (away: PeerAway) => send({ ...away, type: "peer.away" }),
      [ServerEvent.peerLeft]: (left: PeerLeft) => send({ ...left, type: "peer.left" }),
    };
    let stopListening = listen(socket, handlers);

    let stopped = false;
    const networkBack = () => send({ type: "network.online" });
    globalThis.addEventListener("online", networkBack);
    const leaveSeatBehind = () => seat.leaveBehind();
    globalThis.addEventListener("pagehide", leaveSeatBehind);

    receive((command) => {
      switch (command.type) {
        case "connect":
          attempting = true;
          // A connection that was closed (dropped, or given up after a timeout) is replaced.
          if (!socket.connected && !socket.active) {
            stopListening();
            releaseSocket(socket, { reusable: false });
            socket = acquireSocket();
            stopListening = listen(socket, handlers);
          }
          if (socket.connected) void join();
          else socket.connect();
          return;
        case "send": {
          const signal: OutgoingSignal = { to: command.to, ...command.message };
          if (inRoom) return void socket.emit(ClientEvent.signal, signal);
          if (queue.length < QUEUE_LIMIT) queue.push(signal);
          return;
        }
        case "leave":
          seat.forget();
          left = true;
          if (!inRoom) return send({ type: "signal.left" });
          socket.timeout(1000).emit(ClientEvent.leave, () => {
            inRoom = false;
            send({ type: "signal.left" });
          });
          return;
      }
    });

    return () => {
      stopped = true;
      globalThis.removeEventListener("online", networkBack);
      globalThis.removeEventListener("pagehide", leaveSeatBehind);
      stopListening();
      input.warm?.discard();
      // A seat still held belongs to this call: its connection goes with it.
      releaseSocket(socket, { reusable: !inRoom && (left || !joinedOnce) });
    };
  },
);

/** The `lobby` actor the browser provides to the call machine's pre-join screen. */
export const lobby = fromCallback<{ type: "refresh" }, SignalingInput>(
  ({ input, sendBack, receive }) => {
    const send = (event: LobbyEvent) => sendBack(event);
    const socket = acquireSocket();
    const ask = () => {
      if (!socket.connected) {
        // Also after a failed attempt (a busy machine, a server away), which leaves the socket
        // active but never tries again by itself; an attempt under way is left to finish.
        socket.connect();
        return;
      }
      const resume = seatToken(input.roomId).take();
      socket.timeout(ATTEMPT_TIMEOUT_MS).emit(
        ClientEvent.roomStatus,
        { room: input.roomId, ...(resume ? { resume } : {}) },
        (timedOut: Error | null, ack: RoomStatusAck) => {
          if (timedOut || !ack.ok) return;
          send({
            type: "lobby.status",
            members: ack.members,
            capacity: ack.capacity,
            yours: ack.yours,
            relay: ack.relay,
            iceServers: ack.iceServers ?? null,
          });
        },
      );
    };
    const stopListening = listen(socket, { connect: ask });
    ask();
    const every = setInterval(ask, STATUS_EVERY_MS);
    receive(() => ask());
    return () => {
      clearInterval(every);
      stopListening();
      releaseSocket(socket, { reusable: true });
    };
  },
);
