/**
 * The browser's `signaling` actor: one Socket.IO connection for the time the person is in the
 * call. It connects when the session machine says so (the machine owns the back-off), joins the
 * room with this tab's resume token (`seat_token.ts`), relays signals both ways and reports what
 * happens.
 *
 * Nothing asked of it is lost while the server is away: signals wait in a queue and go out after
 * the rejoin is acknowledged (unless the seat expired meanwhile, and the connection they belong
 * to with it).
 *
 * @module
 */
import { io, type Socket } from "socket.io-client";
import { fromCallback } from "xstate";
import type { SignalingCommand, SignalingEvent, SignalingInput } from "../machines/call_types.ts";
import {
  ClientEvent,
  type ClientToServerEvents,
  type JoinAck,
  randomToken,
  ServerEvent,
  type ServerToClientEvents,
  type SignalMessage,
} from "../protocol/signaling.ts";
import { seatToken } from "./seat_token.ts";

/** How long a connection attempt, and then the join, may take. */
const ATTEMPT_TIMEOUT_MS = 5000;
/** Signals kept while off the server; more than a negotiation ever needs. */
const QUEUE_LIMIT = 500;

/** A jitter factor for the machine's back-off: 0.7 to 1.3. */
function jitter(): number {
  return 0.7 + Math.random() * 0.6;
}

/** The `signaling` actor the browser provides to the session machine. */
export const signaling = fromCallback<SignalingCommand, SignalingInput>(
  ({ input, sendBack, receive }) => {
    const send = (event: SignalingEvent) => sendBack(event);
    // A new id for every session: the other side tells a reload from a blip by it.
    const session = randomToken(12);
    const seat = seatToken(input.roomId);
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      transports: ["websocket"],
      autoConnect: false,
      reconnection: false,
      timeout: ATTEMPT_TIMEOUT_MS,
    });
    let joinedOnce = false;
    /** Whether the room is joined on the current connection. */
    let inRoom = false;
    const queue: SignalMessage[] = [];

    const join = () => {
      const resume = seat.take();
      socket.timeout(ATTEMPT_TIMEOUT_MS).emit(
        ClientEvent.join,
        { room: input.roomId, session, ...(resume ? { resume } : {}) },
        (timedOut: Error | null, ack: JoinAck) => {
          if (timedOut) {
            // Connected, but the join went unanswered: drop this connection and try anew.
            socket.disconnect();
            return send({ type: "signal.connectFailed", jitter: jitter() });
          }
          if (!ack.ok) return send({ type: "signal.rejected", error: ack.error });
          seat.keep(ack.resume);
          const { ok: _, ...joined } = ack;
          inRoom = true;
          // Held signals belong to a connection the other side dropped if our seat expired.
          if (joined.seat === "expired") queue.length = 0;
          for (const message of queue.splice(0)) socket.emit(ClientEvent.signal, message);
          send({ type: joinedOnce ? "signal.restored" : "signal.joined", joined });
          joinedOnce = true;
        },
      );
    };

    socket.on("connect", join);
    socket.on("connect_error", () => send({ type: "signal.connectFailed", jitter: jitter() }));
    socket.on("disconnect", () => {
      if (!inRoom) return;
      inRoom = false;
      send({ type: "signal.lost", jitter: jitter() });
    });
    socket.on(ServerEvent.seatTaken, () => {
      inRoom = false;
      socket.removeAllListeners();
      send({ type: "signal.seatTaken" });
    });
    socket.on(ServerEvent.signal, (message) => send({ type: "signal.message", message }));
    socket.on(ServerEvent.peerJoined, (peer) => send({ type: "peer.joined", peer }));
    socket.on(ServerEvent.peerAway, (away) => {
      send({ type: "peer.away", reason: away.reason === "lost" ? "lost" : "closed" });
    });
    socket.on(ServerEvent.peerLeft, (left) => send({ type: "peer.left", reason: left.reason }));

    const networkBack = () => send({ type: "network.online" });
    globalThis.addEventListener("online", networkBack);
    const leaveSeatBehind = () => seat.leaveBehind();
    globalThis.addEventListener("pagehide", leaveSeatBehind);

    receive((command) => {
      switch (command.type) {
        case "connect":
          if (!socket.connected) socket.connect();
          return;
        case "send":
          if (inRoom) return void socket.emit(ClientEvent.signal, command.message);
          if (queue.length < QUEUE_LIMIT) queue.push(command.message);
          return;
        case "leave":
          seat.forget();
          if (!inRoom) return send({ type: "signal.left" });
          socket.timeout(1000).emit(ClientEvent.leave, () => send({ type: "signal.left" }));
          return;
      }
    });

    return () => {
      globalThis.removeEventListener("online", networkBack);
      globalThis.removeEventListener("pagehide", leaveSeatBehind);
      socket.removeAllListeners();
      socket.disconnect();
    };
  },
);
