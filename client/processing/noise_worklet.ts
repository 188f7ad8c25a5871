/**
 * The noise filter's AudioWorklet module (a bundle of its own: `audioWorklet.addModule` loads it,
 * nothing imports it): RNNoise, from `@jitsi/rnnoise-wasm`, denoising the microphone on the
 * audio thread, 480 samples at a time at 48 kHz. The page hands it the WebAssembly's bytes
 * (`processorOptions.wasm`), since a worklet cannot fetch; until RNNoise is ready the sound passes
 * through unchanged, with the same delay. It says `ready` (or `failed`) on its port, and stops for
 * good when told `stop`.
 *
 * @module
 */
// @ts-types="./rnnoise.d.ts"
import createRNNWasmModule from "@jitsi/rnnoise-wasm/dist/rnnoise.js";
import type { RnnoiseModule } from "./rnnoise.d.ts";
import { FRAME_SAMPLES, FrameBuffer } from "./frame_buffer.ts";
import { NOISE_PROCESSOR, READY, STOP } from "./noise_protocol.ts";

/** The AudioWorkletGlobalScope, as far as this module uses it (lib.dom does not describe it). */
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(
  name: string,
  processor: new (options: { processorOptions: { wasm: ArrayBuffer } }) => AudioWorkletProcessor,
): void;

/** RNNoise works on 16-bit sample values; Web Audio's are -1 to 1. */
const SCALE = 32768;

class NoiseSuppressor extends AudioWorkletProcessor {
  #rnnoise: RnnoiseModule | null = null;
  #state = 0;
  #frame = 0;
  #stopped = false;
  readonly #buffer = new FrameBuffer((frame) => this.#denoise(frame));

  constructor(options: { processorOptions: { wasm: ArrayBuffer } }) {
    super();
    createRNNWasmModule({ wasmBinary: options.processorOptions.wasm }).then((rnnoise) => {
      this.#rnnoise = rnnoise;
      this.#state = rnnoise._rnnoise_create(0);
      this.#frame = rnnoise._malloc(FRAME_SAMPLES * Float32Array.BYTES_PER_ELEMENT);
      this.port.postMessage(READY);
    }, (error) => this.port.postMessage(`failed: ${error}`));
    this.port.onmessage = (event) => {
      if (event.data !== STOP || this.#stopped) return;
      this.#stopped = true;
      this.#rnnoise?._rnnoise_destroy(this.#state);
      this.#rnnoise?._free(this.#frame);
      this.#rnnoise = null;
    };
  }

  #denoise(frame: Float32Array): void {
    const rnnoise = this.#rnnoise;
    if (!rnnoise) return;
    // The module's memory may have grown since: take the view afresh.
    const heap = rnnoise.HEAPF32.subarray(this.#frame >> 2, (this.#frame >> 2) + FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) heap[i] = frame[i] * SCALE;
    rnnoise._rnnoise_process_frame(this.#state, this.#frame, this.#frame);
    for (let i = 0; i < FRAME_SAMPLES; i++) frame[i] = heap[i] / SCALE;
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const output = outputs[0]?.[0];
    if (output) this.#buffer.push(inputs[0]?.[0], output);
    return !this.#stopped;
  }
}

registerProcessor(NOISE_PROCESSOR, NoiseSuppressor);
