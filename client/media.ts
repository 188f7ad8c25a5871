/**
 * The browser's `localMedia` actor: it owns the camera and microphone. Told to, it captures what
 * the person wants (and, when that fails, whatever part of it can still be had, so the call can go
 * on with less), switches tracks on and off, adds a kind turned on mid-call, and stops every
 * track it holds when the machine leaves the state that owns it.
 *
 * @module
 */
import { fromCallback } from "xstate";
import type { MediaCommand, MediaEvent, MediaFailure, MediaKind } from "../machines/call_types.ts";

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

function stopAll(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/**
 * Captures `wanted`; when that fails, the largest part of it that works. Resolves to the stream
 * (or null) and what could not be had.
 */
async function capture(
  wanted: MediaKind[],
): Promise<{ stream: MediaStream | null; failure: MediaFailure | null }> {
  if (wanted.length === 0) return { stream: null, failure: null };
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, failure: { reason: "insecure", missing: wanted } };
  }
  const get = (kinds: readonly MediaKind[]) =>
    navigator.mediaDevices.getUserMedia(
      Object.fromEntries(kinds.map((kind) => [kind, CONSTRAINTS[kind]])),
    );
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

/** The `localMedia` actor the browser provides to the call machine. */
export const localMedia = fromCallback<MediaCommand, Record<MediaKind, boolean>>(
  ({ sendBack, receive }) => {
    const send = (event: MediaEvent) => sendBack(event);
    let stream: MediaStream | null = null;
    let stopped = false;
    /** Each capture's number: an answer to an older one is stale. */
    let generation = 0;

    const start = async (wants: Record<MediaKind, boolean>) => {
      const mine = ++generation;
      stopAll(stream);
      stream = null;
      const got = await capture((["audio", "video"] as const).filter((kind) => wants[kind]));
      // Stopped, or asked again, while the browser was asking: nobody will use these tracks.
      if (stopped || mine !== generation) return stopAll(got.stream);
      stream = got.stream;
      send({ type: "media.captured", stream, failure: got.failure });
    };

    const add = async (kind: MediaKind) => {
      const mine = generation;
      const got = await capture([kind]);
      if (stopped || mine !== generation) return stopAll(got.stream);
      const track = got.stream?.getTracks()[0];
      if (!track) {
        return send({
          type: "media.refused",
          failure: got.failure ?? { reason: "other", missing: [kind] },
        });
      }
      stream ??= new MediaStream();
      stream.addTrack(track);
      send({ type: "media.added", stream, kind });
    };

    receive((command) => {
      switch (command.type) {
        case "capture":
          return void start(command.wants);
        case "enable":
          for (const track of stream?.getTracks() ?? []) {
            track.enabled = track.kind === "audio" ? command.audio : command.video;
          }
          return;
        case "add":
          return void add(command.kind);
      }
    });
    return () => {
      stopped = true;
      stopAll(stream);
    };
  },
);
