/**
 * What a switch of noise suppression or background blur says besides its name, when there is
 * something to say: why this browser cannot run it, or that it could not start. Part of the call's
 * chunk, as the switches are: a first visit does not carry these words.
 *
 * @module
 */
import type { EffectStatus } from "../../machines/effect_status.ts";
import type { Effect, EffectUnavailable } from "../../machines/processing_machine.ts";

const NAMES: Readonly<Record<Effect, string>> = {
  noise: "Reduce background noise",
  blur: "Blur background",
};

const UNAVAILABLE: Readonly<Record<EffectUnavailable, string>> = {
  "no-audio-worklet": "needs AudioWorklet, which this browser has only on secure (https) pages",
  "no-webassembly": "needs WebAssembly, which this browser does not run",
  "no-wasm-simd": "needs WebAssembly SIMD, which this browser lacks",
  "no-webgl": "needs WebGL 2, which this browser lacks",
  "no-video-processing": "cannot get at the camera's frames in this browser",
};

const FALLBACK = "your browser's own noise reduction is on instead";

/** The note of `effect`'s switch in `status` (null: nothing to say). */
export function effectNote(effect: Effect, status: EffectStatus): string | null {
  const unavailable = status.startsWith("no-") ? status as EffectUnavailable : null;
  const noise = effect === "noise";
  if (unavailable) {
    return `${NAMES[effect]} ${UNAVAILABLE[unavailable]}${noise ? `; ${FALLBACK}` : ""}.`;
  }
  if (status !== "failed") return null;
  return noise
    ? `Parley's noise filter could not start; ${FALLBACK}.`
    : "Background blur could not start.";
}
