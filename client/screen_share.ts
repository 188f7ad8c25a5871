/**
 * The browser's `screenShare` actor: asks for a screen, window or tab (`getDisplayMedia`) and
 * reports `share.started` with its video track, or `share.ended` when the person declines, stops
 * sharing from the browser's own bar (the track ends), or the browser cannot share. It owns the
 * track: leaving the call machine's `sharing` state stops it.
 *
 * @module
 */
import { fromCallback } from "xstate";
import type { ShareEvent } from "../machines/call_types.ts";

/** The `screenShare` actor the browser provides to the call machine. */
export const screenShare = fromCallback<{ type: "stop" }>(
  ({ sendBack }) => {
    let stream: MediaStream | null = null;
    let stopped = false;
    const send = (event: ShareEvent) => !stopped && sendBack(event);
    navigator.mediaDevices.getDisplayMedia({ video: true, audio: false }).then((got) => {
      stream = got;
      const track = got.getVideoTracks()[0];
      if (stopped || !track) {
        for (const t of got.getTracks()) t.stop();
        return send({ type: "share.ended", reason: "failed" });
      }
      // Text and slides: keep them sharp rather than smooth.
      if ("contentHint" in track) track.contentHint = "detail";
      track.addEventListener("ended", () => send({ type: "share.ended", reason: "stopped" }));
      send({ type: "share.started", track });
    }, (error: Error) => {
      send({
        type: "share.ended",
        reason: error?.name === "NotAllowedError" ? "declined" : "failed",
      });
    });
    return () => {
      stopped = true;
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  },
);
