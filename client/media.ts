/**
 * The browser's `captureMedia` actor: getUserMedia for what the person wants, and when that
 * fails, whatever part of it can still be had, so the call can go on with less.
 *
 * @module
 */
import { fromPromise } from "xstate";
import type { CaptureResult, MediaFailure, MediaKind } from "../machines/call_machine.ts";

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

/** The `captureMedia` actor the browser provides to the call machine. */
export const captureMedia = fromPromise<CaptureResult, Record<MediaKind, boolean>>(
  async ({ input, signal }) => {
    const wanted = (["audio", "video"] as const).filter((kind) => input[kind]);
    if (wanted.length === 0) return { stream: null, failure: null };
    if (!navigator.mediaDevices?.getUserMedia) {
      return { stream: null, failure: { reason: "insecure", missing: wanted } };
    }
    const capture = async (kinds: readonly MediaKind[]) => {
      const stream = await navigator.mediaDevices.getUserMedia(
        Object.fromEntries(kinds.map((kind) => [kind, CONSTRAINTS[kind]])),
      );
      // The machine moved on while the browser was asking (hung up, say): nobody will stop
      // this camera later, so stop it now.
      if (signal.aborted) { for (const track of stream.getTracks()) track.stop(); }
      return stream;
    };
    try {
      return { stream: await capture(wanted), failure: null };
    } catch (error) {
      const reason = failureReason(error);
      if (wanted.length > 1) {
        for (const kind of wanted) {
          try {
            const stream = await capture([kind]);
            return { stream, failure: { reason, missing: wanted.filter((k) => k !== kind) } };
          } catch {
            // That one is not to be had either; try the next.
          }
        }
      }
      return { stream: null, failure: { reason, missing: wanted } };
    }
  },
);
