/**
 * Media as the machines see it, and what the `localMedia` and `screenShare` actors take and
 * report: the camera, the microphone and the screen.
 *
 * Like the machines, this imports nothing: it runs under `deno test`, in the browser and in the
 * Stately editor alike.
 *
 * @module
 */

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

/** Input of the `screenShare` actor: the microphone whose sound the tab's is mixed with. */
export interface ShareInput {
  microphone: TrackLike | null;
}

/**
 * What the `screenShare` actor reports: the screen's video `track` is being captured,
 * or sharing is over (declined, failed, or stopped from the browser's own bar).
 */
export type ShareEvent =
  /**
   * The screen's video, and, when the browser shares the tab's (or system's) sound, that sound
   * mixed with the microphone (`audio`), to send in place of the microphone alone.
   */
  | { type: "share.started"; track: TrackLike; audio?: TrackLike | null }
  | { type: "share.ended"; reason: "declined" | "failed" | "stopped" };

/** `kind`'s plain name: "camera", "microphone". */
export function kindName(kind: MediaKind): string {
  return kind === "audio" ? "microphone" : "camera";
}

/** Whether `stream` has a track of `kind`. */
export function hasKind(stream: StreamLike | null, kind: MediaKind): boolean {
  return (stream?.getTracks() ?? []).some((track) => track.kind === kind);
}
