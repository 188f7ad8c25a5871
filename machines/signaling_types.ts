/**
 * What the `signaling` and `lobby` actors take and report: the connection to the server, the
 * seat in the room and the signals relayed through it.
 *
 * Like the machines, this imports nothing but protocol types: it runs under `deno test`, in the
 * browser and in the Stately editor alike.
 *
 * @module
 */
import type { WarmPeerLike } from "./peer_types.ts";
import type {
  IceServer,
  Joined,
  PeerAway,
  PeerInfo,
  PeerLeft,
  ProtocolError,
  SignalMessage,
} from "../protocol/signaling.ts";

/** Commands the `signaling` actor takes. */
export type SignalingCommand =
  /** Open the connection (again) and join the room once connected. */
  | { type: "connect" }
  /** Relay to the member `to` (a session); held while off the server, sent after the rejoin. */
  | { type: "send"; to: string; message: SignalMessage }
  /** Give the seat up (hang up). */
  | { type: "leave" };

/** Input of the `signaling` actor. */
export interface SignalingInput {
  roomId: string;
  /** The person hides their address: never send an offer made before joining. */
  relayOnly?: boolean;
  /** The connection made on the pre-join screen, whose offer the first join may carry. */
  warm?: WarmPeerLike | null;
}

/** What the `signaling` actor reports. */
export type SignalingEvent =
  /**
   * In the room. `offered`: the join carried the offer of the peer connection made before it
   * (`warmPeer`), which the server relayed to the first of `joined.peers`, if there is one.
   */
  | { type: "signal.joined"; joined: Joined; offered?: boolean; offeredMore?: number }
  /** Joined again after the connection dropped; `joined.seat` says what became of the seat. */
  | { type: "signal.restored"; joined: Joined }
  /**
   * A connection attempt failed. `jitter` (0.7-1.3) spreads the next attempt so that clients of
   * a restarted server do not all come back at once; it comes with the event, so the machine
   * stays pure.
   */
  | { type: "signal.connectFailed"; jitter: number }
  /** The joined connection dropped. */
  | { type: "signal.lost"; jitter: number }
  | { type: "signal.rejected"; error: ProtocolError }
  /** Another page of this tab or browser took the seat back. */
  | { type: "signal.seatTaken" }
  /** A description or candidate from the member whose session is `from`. */
  | { type: "signal.message"; from: string; message: SignalMessage }
  /** Fresh ICE servers (TURN credentials) for the call in progress. */
  | { type: "signal.iceServers"; iceServers: IceServer[] }
  | { type: "signal.left" }
  | { type: "peer.joined"; peer: PeerInfo }
  | { type: "peer.away"; session: string; reason: PeerAway["reason"] }
  | { type: "peer.left"; session: string; reason: PeerLeft["reason"] }
  /** The device has a network again: try now rather than at the end of the wait. */
  | { type: "network.online" };

/** What the `lobby` actor reports: how many are in the room (asked without taking a seat). */
export type LobbyEvent = {
  type: "lobby.status";
  members: number;
  capacity: number;
  /** Whether a person may hide their address behind this server's relay (it changes something). */
  relay: boolean;
  /** Whether one of the seats is held for this tab (its page reloaded or was reopened). */
  yours: boolean;
  /** ICE servers to make an offer with before joining; null when only a seat brings them. */
  iceServers: IceServer[] | null;
};
