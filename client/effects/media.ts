/**
 * The browser's `localMedia` actor: it owns the camera and microphone. Told to, it captures what
 * the person wants (and, when that fails, whatever part of it can still be had, so the call can go
 * on with less), switches tracks on and off, adds a kind turned on mid-call, swaps in another
 * device, and stops every track it holds when the machine leaves the state that owns it.
 *
 * Camera off releases the camera (its track is stopped, so its light goes out); Camera on
 * captures a new track and swaps it in (`media.replaced`), which the call sends without
 * renegotiating. The devices a person picked are remembered in the browser.
 *
 * It is also the one place that decides what goes out: while noise suppression or blur runs, the
 * track it made is shown and sent in the captured one's place (`process`), the same way, and the
 * effects hear which tracks were captured (`media.sources`), so another camera or microphone goes
 * through them without anything sent changing.
 *
 * @module
 */
import { fromCallback } from "xstate";
import type {
  MediaCommand,
  MediaEvent,
  MediaFailure,
  MediaKind,
} from "../../machines/media_types.ts";

const CONSTRAINTS: Record<MediaKind, MediaTrackConstraints | boolean> = {
  audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
};

/** Sorts a getUserMedia error into something a person can act on. */
export function failureReason(error: unknown): MediaFailure["reason"] {
  const name = (error as { name?: string } | null)?.name;
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "not-found";
    case "NotReadableError":
    case "AbortError":
      return "in-use";
    default:
      return "other";
  }
}

const STORAGE_KEY: Record<MediaKind, string> = {
  audio: "parley.microphone",
  video: "parley.camera",
};

/** The device the person picked for `kind` last time, if any. */
export function preferredDevice(kind: MediaKind): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY[kind]);
  } catch {
    return null; // Storage is off (private mode, policies): the browser's default device.
  }
}

function rememberDevice(kind: MediaKind, deviceId: string): void {
  try {
    localStorage.setItem(STORAGE_KEY[kind], deviceId);
  } catch {
    // Not remembered; it is still used for this call.
  }
}

/** How to capture: from which device, and whether the browser suppresses noise itself. */
interface CaptureOptions {
  device?: { exact: string };
  /** The browser's own noise suppression, where Parley's cannot run (or failed). */
  noiseSuppression: boolean;
}

/** `kind`'s constraints: the usual ones, on `device` if given, else on the remembered one. */
function constraints(kind: MediaKind, options: CaptureOptions): MediaTrackConstraints {
  const preferred = preferredDevice(kind);
  const deviceId = options.device ?? (preferred ? { ideal: preferred } : undefined);
  return {
    ...CONSTRAINTS[kind] as MediaTrackConstraints,
    ...(kind === "audio" ? { noiseSuppression: options.noiseSuppression } : {}),
    ...(deviceId ? { deviceId } : {}),
  };
}

function stopAll(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * Captures `wanted`; when that fails, the largest part of it that works. Resolves to the stream
 * (or null) and what could not be had.
 */
async function capture(
  wanted: MediaKind[],
  options: CaptureOptions,
): Promise<{ stream: MediaStream | null; failure: MediaFailure | null }> {
  if (wanted.length === 0) return { stream: null, failure: null };
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, failure: { reason: "insecure", missing: wanted } };
  }
  const get = async (kinds: readonly MediaKind[]) => {
    const stream = await navigator.mediaDevices.getUserMedia(
      Object.fromEntries(kinds.map((kind) => [kind, constraints(kind, options)])),
    );
    // A face in motion: on a poor network, keep the frame rate and give up resolution.
    for (const track of stream.getVideoTracks()) track.contentHint = "motion";
    return stream;
  };
  try {
    return { stream: await get(wanted), failure: null };
  } catch (error) {
    const reason = failureReason(error);
    if (wanted.length > 1) {
      for (const kind of wanted) {
        try {
          const stream = await get([kind]);
          return { stream, failure: { reason, missing: wanted.filter((k) => k !== kind) } };
        } catch {
          // That one is not to be had either; try the next.
        }
      }
    }
    return { stream: null, failure: { reason, missing: wanted } };
  }
}

/**
 * What goes out in place of captured tracks: each captured track, or the track an effect made of
 * it (noise suppression, blur) while the captured one is live. Pure, for the tests.
 */
export function sentTracks<T extends { kind: string; readyState: string }>(
  captured: readonly T[],
  processed: Partial<Record<string, T | null>>,
): T[] {
  return captured.map((track) => {
    const made = processed[track.kind];
    return made && track.readyState === "live" ? made : track;
  });
}

/** The `localMedia` actor the browser provides to the call machine. */
export const localMedia = fromCallback<MediaCommand, Record<MediaKind, boolean>>(
  ({ sendBack, receive }) => {
    const send = (event: MediaEvent) => sendBack(event);
    /** What was captured (the camera and microphone themselves). */
    let stream: MediaStream | null = null;
    /** What is shown and sent: the captured tracks, or what effects made of them. */
    let sent: MediaStream | null = null;
    /** Tracks effects made of each kind, to send in the captured one's place. */
    const processed: Record<MediaKind, MediaStreamTrack | null> = { audio: null, video: null };
    let stopped = false;
    /** Each capture's number: an answer to an older one is stale. */
    let generation = 0;
    /** The switches as last told: a camera captured after it was switched off is not used. */
    const on: Record<MediaKind, boolean> = { audio: true, video: true };
    /** Each kind's swap in progress, by number: only the newest one is used. */
    const swaps: Record<MediaKind, number> = { audio: 0, video: 0 };
    /** Kinds being captured anew right now. */
    const pending = new Set<MediaKind>();
    /** The browser's own noise suppression on the microphone (where Parley's cannot run). */
    let noiseSuppression = true;

    /** The captured tracks the effects were last told of. */
    let sources: Record<MediaKind, MediaStreamTrack | null> = { audio: null, video: null };

    /** `sent` made anew from `stream` and `processed`; tells the effects what was captured. */
    const compose = () => {
      const captured = stream?.getTracks() ?? [];
      sent = stream && new MediaStream(sentTracks(captured, processed));
      const source = (kind: MediaKind) =>
        captured.find((t) => t.kind === kind && t.readyState === "live") ?? null;
      const now = { audio: source("audio"), video: source("video") };
      if (now.audio !== sources.audio || now.video !== sources.video) {
        sources = now;
        send({ type: "media.sources", sources });
      }
      return sent;
    };
    /** What goes out for `kind` now (null: nothing, its camera is off). */
    const sentTrack = (kind: MediaKind) =>
      sent?.getTracks().find((t) => t.kind === kind && t.readyState === "live") ?? null;

    const start = async (wants: Record<MediaKind, boolean>) => {
      const mine = ++generation;
      stopAll(stream);
      stream = null;
      const got = await capture(
        (["audio", "video"] as const).filter((kind) => wants[kind]),
        { noiseSuppression },
      );
      // Stopped, or asked again, while the browser was asking: nobody will use these tracks.
      if (stopped || mine !== generation) return stopAll(got.stream);
      stream = got.stream;
      for (const track of stream?.getTracks() ?? []) watchEnd(track);
      send({ type: "media.captured", stream: compose(), failure: got.failure });
    };

    const add = async (kind: MediaKind) => {
      const mine = generation;
      const got = await capture([kind], { noiseSuppression });
      if (stopped || mine !== generation) return stopAll(got.stream);
      const track = got.stream?.getTracks()[0];
      if (!track) {
        return send({
          type: "media.refused",
          failure: got.failure ?? { reason: "other", missing: [kind] },
        });
      }
      watchEnd(track);
      stream = new MediaStream([...stream?.getTracks() ?? [], track]);
      send({ type: "media.added", stream: compose()!, kind });
    };

    /** The stream with `track` instead of the tracks of its kind (null: the old one, ended). */
    const swapIn = (kind: MediaKind, track: MediaStreamTrack | null) => {
      const others = (stream?.getTracks() ?? []).filter((t) => t.kind !== kind);
      const old = (stream?.getTracks() ?? []).filter((t) => t.kind === kind);
      for (const t of old) t.stop();
      // Camera off keeps its ended track: the call still has a camera, switched off.
      stream = new MediaStream([...others, ...(track ? [track] : old)]);
      const before = sentTrack(kind);
      compose();
      // Under an effect, another camera or microphone changes nothing that is sent.
      if (!track || sentTrack(kind) !== before) {
        send({ type: "media.replaced", stream: sent, kind, track: sentTrack(kind) });
      }
    };

    /** Sends `track` (an effect's) in place of the captured `kind` (null: the captured one). */
    const process = (kind: MediaKind, track: MediaStreamTrack | null) => {
      processed[kind] = track;
      if (track && kind === "audio") track.enabled = on.audio;
      const before = sentTrack(kind);
      compose();
      const now = sentTrack(kind);
      if (now !== before) send({ type: "media.replaced", stream: sent, kind, track: now });
    };

    /** Captures `kind` anew (from `deviceId` if given) and swaps it in. */
    const recapture = async (kind: MediaKind, deviceId?: string) => {
      const mine = ++swaps[kind];
      const gen = generation;
      // A phone may not open a second camera while the first is open: let it go first.
      if (kind === "video") { for (const t of stream?.getVideoTracks() ?? []) t.stop(); }
      pending.add(kind);
      const got = await capture([kind], {
        noiseSuppression,
        ...(deviceId ? { device: { exact: deviceId } } : {}),
      });
      if (mine === swaps[kind]) pending.delete(kind);
      const track = got.stream?.getTracks()[0] ?? null;
      const unwanted = kind === "video" && !on.video;
      if (stopped || gen !== generation || mine !== swaps[kind] || unwanted || !track) {
        track?.stop();
        return;
      }
      track.enabled = on[kind];
      watchEnd(track);
      swapIn(kind, track);
    };

    /** A device unplugged ends its track: carry on with the browser's default one. */
    const watchEnd = (track: MediaStreamTrack) => {
      track.addEventListener("ended", () => {
        if (!stopped && stream?.getTracks().includes(track) && on[track.kind as MediaKind]) {
          void recapture(track.kind as MediaKind);
        }
      });
    };

    const enable = (audio: boolean, video: boolean) => {
      on.audio = audio;
      on.video = video;
      for (const track of [...stream?.getAudioTracks() ?? [], processed.audio]) {
        if (track) track.enabled = audio;
      }
      const cameras = stream?.getVideoTracks() ?? [];
      const live = cameras.some((t) => t.readyState === "live");
      if (!video && (live || pending.has("video"))) {
        swaps.video++;
        pending.delete("video");
        swapIn("video", null);
      } else if (video && cameras.length > 0 && !live && !pending.has("video")) {
        void recapture("video");
      }
    };

    receive((command) => {
      switch (command.type) {
        case "capture":
          noiseSuppression = command.noiseSuppression;
          return void start(command.wants);
        case "browserNoiseSuppression":
          // The browser cannot switch it on a running microphone: capture it anew, with it.
          noiseSuppression = true;
          if (!stream?.getAudioTracks().some((t) => t.readyState === "live")) return;
          return void recapture("audio");
        case "enable":
          return enable(command.audio, command.video);
        case "add":
          return void add(command.kind);
        case "use":
          rememberDevice(command.kind, command.deviceId);
          // A camera switched off stays off; the new one is used when it comes back on.
          if (command.kind === "video" && !on.video) return;
          if (!stream?.getTracks().some((t) => t.kind === command.kind)) return;
          return void recapture(command.kind, command.deviceId);
        case "process":
          return process(command.kind, command.track as MediaStreamTrack | null);
      }
    });
    return () => {
      stopped = true;
      stopAll(stream);
    };
  },
);
