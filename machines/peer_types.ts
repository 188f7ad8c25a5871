/**
 * What the `peerConnection` and `warmPeer` actors take and report, and what the machines say of
 * a connection to another person: its state, why it failed, its channels and send limits.
 *
 * Like the machines, this imports nothing but protocol types: it runs under `deno test`, in the
 * browser and in the Stately editor alike.
 *
 * @module
 */
import type { MediaKind, StreamLike, TrackLike } from "./media_types.ts";
import type {
  Candidate,
  Description,
  IceServer,
  IceTransportPolicy,
  PeerLeft,
} from "../protocol/signaling.ts";

/** Peer connection states the machines react to (`RTCPeerConnectionState`). */
export type LinkState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/**
 * Why the browsers could not connect: `no-relay` (no path between the two networks, and the
 * server has no relay to go around them), `relay-refused` (the relay refused Parley's
 * credentials), `no-path` (none found in time), `lost` (it broke and could not be restored),
 * `error` (the browser's peer connection failed).
 */
export type ConnectionFailure =
  | "no-relay"
  | "relay-refused"
  | "no-path"
  | "lost"
  | "error"
  /** The other side's description named more than one certificate: refused, never applied. */
  | "unverifiable";

/** What happened to another person, for the page's notices (null: they are here). */
export type PeerAbsence = "away" | "closed" | PeerLeft["reason"] | null;

/** Commands the `peerConnection` actor takes. */
export type PeerCommand =
  | { type: "offer" }
  | { type: "acceptOffer"; description: Description }
  | { type: "acceptAnswer"; description: Description }
  | { type: "addCandidate"; candidate: Candidate }
  | { type: "restartIce" }
  | { type: "rollback" }
  /** Say the offer awaiting its answer again (`pc.localDescription`), if one awaits. */
  | { type: "repeatOffer" }
  /** Send what `stream` has and the connection does not send yet (tracks added mid-call). */
  | { type: "addTracks"; stream: StreamLike }
  /** Use these ICE servers from now on (renewed TURN credentials). */
  | { type: "setIceServers"; iceServers: IceServer[] }
  /** Send `track` instead of what is sent for `kind` now, without renegotiating (null: nothing). */
  | { type: "replaceTrack"; kind: MediaKind; track: TrackLike | null }
  /** Say whether a path exists and whether a relay is in play (`pc.diagnosis`). */
  | { type: "diagnose" };

/** Input of the `peerConnection` actor. */
export interface PeerInput {
  /** The other person's session (whom this connection is with). */
  peer?: string;
  iceServers: IceServer[];
  /** `relay`: only relayed candidates, so the other side never learns this side's address. */
  iceTransportPolicy: IceTransportPolicy;
  stream: StreamLike | null;
  /** Whether this side adds its transceivers at once and so makes the first offer. */
  initiator: boolean;
  /** The first offer went out with the join: take the connection that made it (`warmPeer`). */
  offered?: boolean;
  /** A connection made ahead (`warmPeer`), adopted when it fits; else one is made. */
  warm?: WarmPeerLike | null;
}

/**
 * Input of the `warmPeer` actor: a peer connection made before it is needed (on the pre-join
 * screen, or while waiting alone), which the next negotiation's `peerConnection` adopts when it
 * fits. `offer`: make the first offer at once, for the join to carry (its ICE servers carry no
 * credentials, so they are the ones the seat will bring).
 */
export interface WarmPeerInput extends Omit<PeerInput, "offered" | "warm"> {
  offer: boolean;
  /**
   * How many others are in the room: in a group, one more connection is made ahead for each
   * beyond the first (their offers sent as soon as the seat is had).
   */
  others?: number;
}

/**
 * A peer connection made ahead, as the machines hand it on: the `warmPeer` actor that made it
 * reports it (`warm.made`); the machines pass it to the signaling actor (whose first join may
 * carry its offer) and to the next negotiation's `peerConnection` (which adopts it when it fits,
 * once). They only carry it: what it holds is the browser's business.
 */
export interface WarmPeerLike {
  /** The offer for the join to carry, if it has one (waiting a moment for one being made). */
  offerForJoin(): Promise<Description | null>;
  /**
   * In a group, the offers for the others after the first, those made by now (in order), for the
   * join to carry with the first one's.
   */
  moreOffersForJoin?(): Description[];
  /** The join was answered: the offers it carried went to these members, in order. */
  sentTo?(sessions: string[]): void;
  /** Lets the connection go, unless it was adopted (nobody took the offer it sent). */
  discard(): void;
}

/** What the `warmPeer` actor reports: the connection it made, to be handed on. */
export type WarmPeerEvent = { type: "warm.made"; warm: WarmPeerLike };

/**
 * A data channel as the machines see it (an `RTCDataChannel` fits): they only hand it to the
 * page, which speaks over it.
 */
export interface ChannelLike {
  readonly label: string;
}

/** The call's data channels: small messages, and file transfers. */
export interface PeerChannels {
  control: ChannelLike;
  files: ChannelLike;
  /** This connection's `getStats()` (an `RTCStatsReport`), for the page's quality views. */
  stats?: () => Promise<unknown>;
  /** The local and remote descriptions' SDP (certificate fingerprints where stats lack them). */
  sdp?: () => string[];
  /** Sends within `limits` from now on (the adaptation's effect, client/adaptation.ts). */
  limit?: (limits: SendLimits) => void;
  /** Caps what it sends on top of those limits (a group call's share of the uplink). */
  cap?: (limits: SendLimits) => void;
}

/**
 * What this side may send, as the adaptation (client/adaptation.ts) sets it: the
 * peer connection applies it to its senders' encodings.
 */
export interface SendLimits {
  /** The tallest picture to send, px; absent: as captured. */
  height?: number;
  /** The video's highest bitrate, bit/s; absent: the browser's. */
  maxBitrate?: number;
  maxFramerate?: number;
  /** The voice's highest bitrate, bit/s; absent: the browser's. */
  audioMaxBitrate?: number;
  /**
   * Changes when the video is to start from a fresh source: the browser forgets the lower
   * resolutions it adapted down to, so the picture comes back at once instead of step by step.
   */
  fresh?: number;
}

/** What the `peerConnection` actor reports. */
export type PeerEvent =
  /** The call's data channels exist (they open once the connection does). */
  | { type: "pc.channels"; channels: PeerChannels }
  /** A TURN server refused this side's credentials (401/403 on allocation). */
  | { type: "pc.relayRefused" }
  /**
   * The answer to `diagnose`: whether any candidate pair works (`path`), whether either side has
   * a relayed candidate (`relay`), and whether this side was given a TURN server (`turn`).
   */
  | { type: "pc.diagnosis"; path: boolean; relay: boolean; turn: boolean }
  | { type: "pc.negotiationNeeded" }
  | { type: "pc.localDescription"; description: Description }
  | { type: "pc.candidate"; candidate: Candidate }
  | { type: "pc.remoteStream"; stream: StreamLike }
  | { type: "pc.connection"; state: LinkState }
  | { type: "pc.error"; message: string; reason?: "unverifiable" }
  /** The device lost every network, or has one again (the browser knows before ICE does). */
  | { type: "network.offline" }
  | { type: "network.online" };
