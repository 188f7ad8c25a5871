/**
 * What the call machine and its session agree on, and the call machine's own events, context
 * and input. Media, signaling and peer connection types live beside it (`media_types.ts`,
 * `signaling_types.ts`, `peer_types.ts`).
 *
 * Like the machines, this imports nothing but protocol types: it runs under `deno test`, in the
 * browser and in the Stately editor alike.
 *
 * @module
 */
import type { EffectStatus } from "./effect_status.ts";
import type { Effect, EffectUnavailable, ProcessingReport } from "./processing_machine.ts";
import type {
  MediaEvent,
  MediaFailure,
  MediaKind,
  ShareEvent,
  StreamLike,
  TrackLike,
} from "./media_types.ts";
import type { WarmPeerEvent, WarmPeerLike } from "./peer_types.ts";
import type { LobbyEvent } from "./signaling_types.ts";
import type { IceServer, ProtocolError } from "../protocol/signaling.ts";

/** Why a call ended up failed. */
export type CallFailure =
  | { kind: "room-full" }
  | { kind: "unreachable" }
  | { kind: "replaced" }
  | { kind: "rejected"; error: ProtocolError };

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
