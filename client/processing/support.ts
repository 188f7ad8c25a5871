/**
 * Whether this browser can run noise suppression and background blur at all, checked without
 * loading either (no AudioContext, no WebGL context: nothing that costs the page's first moments).
 * What cannot be told this way (a WebGL context refused, a model that does not load) shows when
 * the effect starts, and fails it then; a missing part it reports as unavailable (the switch is
 * then disabled, saying why).
 *
 * @module
 */
import type { Effect, EffectUnavailable } from "../../machines/processing_machine.ts";

/** The smallest module with a SIMD instruction (MediaPipe's own check). */
// deno-fmt-ignore
const SIMD_MODULE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11,
];

/**
 * Why each effect cannot run here (null: it can, as far as the first moments can tell). What
 * blur needs besides WebAssembly is checked when it starts (`blurUnsupported`), with it.
 */
export function effectsUnavailable(): Record<Effect, EffectUnavailable | null> {
  const wasm = typeof WebAssembly === "object";
  return {
    // An AudioWorklet exists only on secure pages (https, localhost), as the camera does.
    noise: typeof AudioWorkletNode !== "function"
      ? "no-audio-worklet"
      : wasm
      ? null
      : "no-webassembly",
    blur: wasm ? null : "no-webassembly",
  };
}

/** Why blur cannot run here besides WebAssembly (null: it can, as far as can be told). */
export function blurUnsupported(): EffectUnavailable | null {
  const g = globalThis as Record<string, unknown>;
  let simd = false;
  try {
    simd = WebAssembly.validate(new Uint8Array(SIMD_MODULE));
  } catch {
    // No SIMD.
  }
  return !simd
    ? "no-wasm-simd"
    : typeof g.WebGL2RenderingContext !== "function"
    ? "no-webgl"
    : typeof g.MediaStreamTrackProcessor === "function" ||
        typeof HTMLCanvasElement?.prototype.captureStream === "function"
    ? null
    : "no-video-processing";
}
