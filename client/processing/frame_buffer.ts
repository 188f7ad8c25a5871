/**
 * Between Web Audio's render quanta (128 samples) and RNNoise's frames (480 samples, 10 ms at
 * 48 kHz): samples go in a quantum at a time, each full frame is processed, and what comes out is
 * the processed sound one frame late, a quantum at a time, never running dry.
 *
 * Pure: the noise filter's AudioWorklet (noise_worklet.ts) uses it, and `deno test` checks it.
 *
 * @module
 */

/** RNNoise's frame: 10 ms at 48 kHz. */
export const FRAME_SAMPLES = 480;

/**
 * What comes out lags what goes in by one frame: enough that, whatever the quantum size up to a
 * frame, a processed frame is always ready before its first sample is due.
 */
export const LATENCY_SAMPLES = FRAME_SAMPLES;

/** Quanta in, frames processed in place, quanta out, with {@linkcode LATENCY_SAMPLES} between. */
export class FrameBuffer {
  readonly #frame = new Float32Array(FRAME_SAMPLES);
  #filled = 0;
  /** Processed samples waiting to go out, as a ring; it starts with one frame of silence. */
  readonly #ring = new Float32Array(FRAME_SAMPLES * 3);
  #read = 0;
  #waiting = LATENCY_SAMPLES;

  constructor(readonly process: (frame: Float32Array) => void) {}

  /**
   * Takes `input` (undefined: nothing connected, silence) and fills `output` (at most a frame
   * long) with processed samples from {@linkcode LATENCY_SAMPLES} earlier.
   */
  push(input: Float32Array | undefined, output: Float32Array): void {
    const length = output.length;
    for (let at = 0; at < length;) {
      const take = Math.min(length - at, FRAME_SAMPLES - this.#filled);
      if (input) this.#frame.set(input.subarray(at, at + take), this.#filled);
      else this.#frame.fill(0, this.#filled, this.#filled + take);
      this.#filled += take;
      at += take;
      if (this.#filled === FRAME_SAMPLES) {
        this.process(this.#frame);
        this.#write(this.#frame);
        this.#filled = 0;
      }
    }
    for (let i = 0; i < length; i++) {
      output[i] = this.#waiting > 0 ? this.#ring[this.#read] : 0;
      if (this.#waiting > 0) {
        this.#read = (this.#read + 1) % this.#ring.length;
        this.#waiting--;
      }
    }
  }

  #write(frame: Float32Array): void {
    let at = (this.#read + this.#waiting) % this.#ring.length;
    for (let i = 0; i < frame.length; i++) {
      this.#ring[at] = frame[i];
      at = (at + 1) % this.#ring.length;
    }
    this.#waiting += frame.length;
  }
}
