/**
 * The browser's `screenShare` actor: asks for a screen, window or tab (`getDisplayMedia`) and
 * reports `share.started` with its video track, or `share.ended` when the person declines, stops
 * sharing from the browser's own bar (the track ends), or the browser cannot share. It owns the
 * track: leaving the call machine's `sharing` state stops it.
 *
 * @module
 */
import type { ActorBody } from "../effects/deferred_actor.ts";
import type { ShareEvent, ShareInput } from "../../machines/media_types.ts";

/**
 * The tab's (or system's) sound mixed with the microphone into one track, so both go out on the
 * microphone's sender (`replaceTrack`, no renegotiation). Muting the microphone still mutes it
 * here: a disabled track is silence.
 */
function mixSound(tab: MediaStreamTrack, microphone: MediaStreamTrack | null) {
  const context = new AudioContext();
  const mix = context.createMediaStreamDestination();
  for (const track of [tab, microphone]) {
    if (track) context.createMediaStreamSource(new MediaStream([track])).connect(mix);
  }
  return { track: mix.stream.getAudioTracks()[0], close: () => void context.close() };
}

/**
 * The body of the `screenShare` actor the browser provides to the call machine (it comes with
 * the call's chunk: `effects/deferred_actor.ts`).
 */
export const runScreenShare: ActorBody<{ type: "stop" }, ShareInput> = ({ input, sendBack }) => {
  let stream: MediaStream | null = null;
  let mixed: { track: MediaStreamTrack; close: () => void } | null = null;
  let stopped = false;
  const send = (event: ShareEvent) => !stopped && sendBack(event);
  // The tab's sound where the browser offers it (Chromium, for a tab; none elsewhere).
  navigator.mediaDevices.getDisplayMedia({ video: true, audio: true }).then((got) => {
    stream = got;
    const track = got.getVideoTracks()[0];
    if (stopped || !track) {
      for (const t of got.getTracks()) t.stop();
      return send({ type: "share.ended", reason: "failed" });
    }
    // Text and slides: keep them sharp rather than smooth.
    if ("contentHint" in track) track.contentHint = "detail";
    track.addEventListener("ended", () => send({ type: "share.ended", reason: "stopped" }));
    const tabSound = got.getAudioTracks()[0];
    if (tabSound) mixed = mixSound(tabSound, input.microphone as MediaStreamTrack | null);
    send({ type: "share.started", track, audio: mixed?.track ?? null });
  }, (error: Error) => {
    send({
      type: "share.ended",
      reason: error?.name === "NotAllowedError" ? "declined" : "failed",
    });
  });
  return () => {
    stopped = true;
    for (const track of stream?.getTracks() ?? []) track.stop();
    mixed?.track.stop();
    mixed?.close();
  };
};
