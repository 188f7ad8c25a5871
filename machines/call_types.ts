/**
 * What the call machines and the effects they drive agree on: media as the machines see it, the
 * commands each effect takes and the events each one sends back.
 *
 * Like the machines, this imports nothing but protocol types: it runs under `deno test`, in the
 * browser and in the Stately editor alike.
 *
 * @module
 */
import type { EffectStatus } from "./effect_status.ts";
import type { Effect, EffectUnavailable, ProcessingReport } from "./processing_machine.ts";
import type {
  Candidate,
  Description,
  IceServer,
  IceTransportPolicy,
  Joined,
  PeerAway,
  PeerInfo,
  PeerLeft,
  ProtocolError,
  SignalMessage,
} from "../protocol/signaling.ts";

/** A media track as the machines see it (a `MediaStreamTrack` fits). */
export interface TrackLike {
  readonly kind: string;
  enabled: boolean;
  stop(): void;
}

/** A media stream as the machines see it (a `MediaStream` fits). */
export interface StreamLike {
  getTracks(): TrackLike[];
}

/** Media kinds a call can send. */
export type MediaKind = "audio" | "video";

/** Why capturing some media failed, in categories a person can act on. */
export interface MediaFailure {
  reason: "denied" | "not-found" | "in-use" | "insecure" | "other";
  /** The kinds that could not be captured. */
  missing: MediaKind[];
}

/** Peer connection states the machines react to (`RTCPeerConnectionState`). */
export type LinkState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/** Why a call ended up failed. */
export type CallFailure =
  | { kind: "room-full" }
  | { kind: "unreachable" }
  | { kind: "replaced" }
  | { kind: "rejected"; error: ProtocolError };

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

// --- Local media ------------------------------------------------------------------------------

/** Commands the `localMedia` actor takes; it owns the stream and every track in it. */
export type MediaCommand =
  /**
   * Stop what it has and capture the wanted kinds anew; the microphone with the browser's own
   * noise suppression, or without (where Parley's runs instead).
   */
  | { type: "capture"; wants: Record<MediaKind, boolean>; noiseSuppression: boolean }
  /** Parley's noise suppression failed: the microphone anew, with the browser's own. */
  | { type: "browserNoiseSuppression" }
  /** Switch tracks on or off (mute, camera off). */
  | { type: "enable"; audio: boolean; video: boolean }
  /** Capture one more kind and add it to the stream (turned on mid-call). */
  | { type: "add"; kind: MediaKind }
  /** Capture `kind` from this device and swap it in (`media.replaced`), without renegotiating. */
  | { type: "use"; kind: MediaKind; deviceId: string }
  /**
   * Send `track` (made from the captured `kind` by noise suppression or blur) in the captured
   * one's place, without renegotiating (null: the captured one again).
   */
  | { type: "process"; kind: MediaKind; track: TrackLike | null };

/** What the `localMedia` actor reports. */
export type MediaEvent =
  /** What a capture got (`stream`, maybe with fewer kinds than wanted) and what it could not. */
  | { type: "media.captured"; stream: StreamLike | null; failure: MediaFailure | null }
  /** `kind` was captured and is now in `stream`. */
  | { type: "media.added"; stream: StreamLike; kind: MediaKind }
  /** `kind` could not be added. */
  | { type: "media.refused"; failure: MediaFailure }
  /**
   * The track of `kind` in `stream` was swapped for `track` (another device, the camera turned
   * back on, a screen share; null: none sent): the call sends it without renegotiating.
   */
  | { type: "media.replaced"; stream: StreamLike | null; kind: MediaKind; track: TrackLike | null }
  /**
   * The captured tracks changed (captured, added, another device, switched off), for the effects
   * that process them; what is sent (`stream`) may not have changed.
   */
  | { type: "media.sources"; sources: Record<MediaKind, TrackLike | null> };

/**
 * What the `screenShare` actor reports: the screen's video `track` is being captured,
 * or sharing is over (declined, failed, or stopped from the browser's own bar).
 */
/** Input of the `screenShare` actor: the microphone whose sound the tab's is mixed with. */
export interface ShareInput {
  microphone: TrackLike | null;
}

export type ShareEvent =
  /**
   * The screen's video, and, when the browser shares the tab's (or system's) sound, that sound
   * mixed with the microphone (`audio`), to send in place of the microphone alone.
   */
  | { type: "share.started"; track: TrackLike; audio?: TrackLike | null }
  | { type: "share.ended"; reason: "declined" | "failed" | "stopped" };

// --- Signaling --------------------------------------------------------------------------------

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
  | { type: "signal.joined"; joined: Joined; offered?: boolean }
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

// --- The session (machines/session_machine.ts) ----------------------------------------------

/** Input of the session machine. */
export interface SessionInput {
  roomId: string;
  stream: StreamLike | null;
  /** The person chose to hide their network address: relayed candidates only. */
  relayOnly?: boolean;
  /** The connection made on the pre-join screen (`warmPeer`), for the join and the call. */
  warm?: WarmPeerLike | null;
}

/** What the call machine tells a session. */
export type SessionCommand =
  | { type: "user.hangUp" }
  /** Try the peer connection again after it failed. */
  | { type: "user.retry" }
  | { type: "media.added"; stream: StreamLike }
  | { type: "media.replaced"; stream: StreamLike | null; kind: MediaKind; track: TrackLike | null };

/** What a session tells the call machine (besides finishing when the person has left). */
export type SessionReport = { type: "session.failed"; failure: CallFailure };

// --- Peer connection --------------------------------------------------------------------------

/** Commands the `peerConnection` actor takes. */
export type PeerCommand =
  | { type: "offer" }
  | { type: "acceptOffer"; description: Description }
  | { type: "acceptAnswer"; description: Description }
  | { type: "addCandidate"; candidate: Candidate }
  | { type: "restartIce" }
  | { type: "rollback" }
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

/** `kind`'s plain name: "camera", "microphone". */
export function kindName(kind: MediaKind): string {
  return kind === "audio" ? "microphone" : "camera";
}

/** Whether `stream` has a track of `kind`. */
export function hasKind(stream: StreamLike | null, kind: MediaKind): boolean {
  return (stream?.getTracks() ?? []).some((track) => track.kind === kind);
}

// --- The call (machines/call_machine.ts) -----------------------------------------------------

/** Every event the call machine handles. */
export type CallEvent =
  // From the person, through the page.
  /** The page is up; `unsupported`: what the browser lacks for a call (found before). */
  | { type: "user.start"; unsupported?: Unsupported | null }
  | { type: "user.continue" }
  | { type: "user.join" }
  | { type: "user.toggleMic" }
  | { type: "user.toggleCamera" }
  | { type: "user.hangUp" }
  | { type: "user.retry" }
  | { type: "user.toggleHideAddress" }
  /** Use this camera or microphone from now on (sent without renegotiating). */
  | { type: "user.useDevice"; kind: MediaKind; deviceId: string }
  | { type: "user.shareScreen" }
  | { type: "user.stopSharing" }
  /** Noise suppression or background blur on or off. */
  | { type: "user.toggleEffect"; effect: Effect }
  | ShareEvent
  | ProcessingReport
  | MediaEvent
  | LobbyEvent
  | WarmPeerEvent
  | SessionReport;

/** What the call machine remembers; everything else is its state or its children's. */
export interface CallContext {
  roomId: string;
  /** Media the person wants to send. */
  wants: Record<MediaKind, boolean>;
  /** The stream `localMedia` holds (it alone changes it). */
  stream: StreamLike | null;
  mediaFailure: MediaFailure | null;
  micOn: boolean;
  cameraOn: boolean;
  failure: CallFailure | null;
  /** The kind being turned on mid-call, if any. */
  turningOn: MediaKind | null;
  /** How many are in the room, as last asked before joining; null until known. */
  roomMembers: number | null;
  /** How many the room seats, as the server said before joining (null while unknown). */
  roomCapacity: number | null;
  /** Whether this server has a relay, as the pre-join screen heard. */
  relayAvailable: boolean;
  /** ICE servers the pre-join screen may make its offer with (null: none without a seat). */
  lobbyIceServers: IceServer[] | null;
  /** The person chose to hide their network address behind the relay for this call. */
  hideAddress: boolean;
  /** Join as soon as the camera is ready (Rejoin after leaving: no second press). */
  autoJoin: boolean;
  /** The connection the pre-join screen made ahead (`warmPeer`), handed to the session. */
  warm: WarmPeerLike | null;
  /** What this browser lacks for a call: then nothing starts, and the page says so. */
  unsupported: Unsupported | null;
  /** Noise suppression and background blur: each one's switch and how it is doing. */
  effects: Record<Effect, EffectStatus>;
}

/**
 * What this browser lacks for a call, found before anything starts: `webrtc` (no
 * RTCPeerConnection: a WebView, a browser built without it), `insecure` (not a secure context:
 * no camera without https), `media` (no getUserMedia).
 */
export type Unsupported = "webrtc" | "insecure" | "media";

/** Input when the machine starts. */
export interface CallInput {
  roomId: string;
  wants?: Partial<Record<MediaKind, boolean>>;
  /**
   * Noise suppression and background blur as they start: "on", "off" (the default), or why this
   * browser cannot run one.
   */
  effects?: Partial<Record<Effect, "on" | "off" | EffectUnavailable>>;
}
