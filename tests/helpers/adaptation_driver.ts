/**
 * The adaptation (client/adaptation/adaptation.ts) driven a second at a time on made-up seconds,
 * for its tests: what it lets the senders use, and what the pages are told, after each.
 *
 * @module
 */
import {
  adapt,
  type Adaptation,
  initialAdaptation,
  limitsOf,
  RAMP_SAMPLES,
  sendingState,
} from "../../client/adaptation/adaptation.ts";
import type { SendSample, VideoSource } from "../../client/adaptation/send_levels.ts";

/**
 * An adaptation driven a second at a time; unless `fromStart`, in a call past its first seconds
 * (while the browser's estimate ramps up, a lowered picture is not called slow).
 */
export function start(source: VideoSource = "camera", saver = false, fromStart = false) {
  const initial = initialAdaptation(source, saver);
  let state: Adaptation = fromStart ? initial : { ...initial, age: RAMP_SAMPLES };
  let at = 0;
  const t = {
    /** One more second with this estimate (loss 0, a 20 ms round trip, CPU enough unless said). */
    sample(estimate: number | null, more: Partial<SendSample> = {}) {
      at += 1000;
      state = adapt(state, {
        type: "sample",
        at,
        sample: { estimate, loss: 0, rttMs: 20, cpuLimited: false, ...more },
      });
      return t;
    },
    /** `seconds` more seconds like that. */
    hold(seconds: number, estimate: number | null, more: Partial<SendSample> = {}) {
      for (let i = 0; i < seconds; i++) t.sample(estimate, more);
      return t;
    },
    tell(input: { type: "source"; source: VideoSource } | { type: "saver"; on: boolean }) {
      state = adapt(state, input);
    },
    limits: () => limitsOf(state)!,
    state: () => sendingState(state),
  };
  return t;
}
