/**
 * The browser's `signaling` actor: one Socket.IO connection for the time the call machine is in
 * its `session` state. It joins the room, relays signals both ways, and when the connection drops
 * it reconnects with backoff and rejoins the same seat with this tab's resume token
 * (`seat_token.ts`).
 *
 * @module
 */
import { io } from "socket.io-client";
import { fromCallback } from "xstate";
import type { CallEvent, SignalingCommand, SignalingInput } from "../machines/call_machine.ts";
import {
  ClientEvent,
  type JoinAck,
  type PeerAway,
  type PeerInfo,
  type PeerLeft,
  randomToken,
  ServerEvent,
  type SignalMessage,
} from "../protocol/signaling.ts";
import { seatToken } from "./seat_token.ts";

/** How many failed connection attempts before the server counts as unreachable. */
const ATTEMPTS_BEFORE_UNREACHABLE = 3;

/** The `signaling` actor the browser provides to the call machine. */
export const signaling = fromCallback<SignalingCommand, SignalingInput>(
  ({ input, sendBack, receive }) => {
    const send = (event: CallEvent) => sendBack(event);
    // A new id for every session: the other side tells a reload from a blip by it.
    const session = randomToken(12);
    const seat = seatToken(input.roomId);
    const socket = io({
      transports: ["websocket"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
      randomizationFactor: 0.3,
      timeout: 5000,
    });
    let joined = false;
    let failedAttempts = 0;

    const join = () => {
      const resume = seat.take();
      socket.timeout(5000).emit(
        ClientEvent.join,
        { room: input.roomId, session, ...(resume ? { resume } : {}) },
        (timedOut: Error | null, ack: JoinAck) => {
          if (timedOut) {
            if (!joined) send({ type: "signal.unreachable" });
            // Connected, but the rejoin went unanswered: connect anew rather than stay off.
            else if (socket.connected) socket.disconnect().connect();
            return;
          }
          if (!ack.ok) {
            send({ type: "signal.rejected", error: ack.error });
            return;
          }
          seat.keep(ack.resume);
          const { ok: _, ...joinedInfo } = ack;
          send({ type: joined ? "signal.restored" : "signal.joined", joined: joinedInfo });
          // Away longer than the seat is held: the other side gave up the call we had.
          if (joined && ack.seat === "expired") {
            send({ type: "signal.seatLost", peer: ack.peer });
          }
          joined = true;
        },
      );
    };

    socket.on("connect", () => {
      failedAttempts = 0;
      join();
    });
    socket.on("connect_error", () => {
      failedAttempts += 1;
      if (!joined && failedAttempts === ATTEMPTS_BEFORE_UNREACHABLE) {
        send({ type: "signal.unreachable" });
      }
    });
    socket.on("disconnect", (reason) => {
      if (joined) send({ type: "signal.lost" });
      // The server closed this connection (another tab took the seat): don't fight it.
      if (reason === "io server disconnect") {
        send({
          type: "signal.rejected",
          error: { code: "already-joined", message: "This call was opened in another tab." },
        });
      }
    });
    socket.on(ServerEvent.signal, (message: SignalMessage) => {
      send({ type: "signal.message", message });
    });
    socket.on(ServerEvent.peerJoined, (peer: PeerInfo) => send({ type: "peer.joined", peer }));
    socket.on(ServerEvent.peerAway, (away: PeerAway) => {
      send({ type: "peer.away", reason: away.reason === "lost" ? "lost" : "closed" });
    });
    socket.on(ServerEvent.peerLeft, (left: PeerLeft) => {
      send({ type: "peer.left", reason: left.reason });
    });

    // The device has a network again: rejoin now rather than at the next step of the backoff.
    const reconnectNow = () => {
      if (!socket.connected && socket.active) socket.disconnect().connect();
    };
    globalThis.addEventListener("online", reconnectNow);
    const leaveSeatBehind = () => seat.leaveBehind();
    globalThis.addEventListener("pagehide", leaveSeatBehind);

    receive((command) => {
      if (command.type === "send") {
        // Offline, a signal would be sent on reconnection, before the rejoin, and be refused:
        // drop it now; the machine renegotiates once the session is back.
        if (socket.connected) socket.emit(ClientEvent.signal, command.message);
      } else if (command.type === "leave") {
        seat.forget();
        if (!socket.connected) return send({ type: "signal.left" });
        socket.timeout(1000).emit(ClientEvent.leave, () => send({ type: "signal.left" }));
      }
    });

    return () => {
      globalThis.removeEventListener("online", reconnectNow);
      globalThis.removeEventListener("pagehide", leaveSeatBehind);
      socket.removeAllListeners();
      socket.disconnect();
    };
  },
);
