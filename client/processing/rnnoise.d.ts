/**
 * Types of what Parley uses from `@jitsi/rnnoise-wasm`'s Emscripten module (dist/rnnoise.js,
 * which ships without any): RNNoise's C functions and the module's memory.
 */

/** The instantiated module. */
export interface RnnoiseModule {
  HEAPF32: Float32Array;
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  /** Denoises 480 samples from `input` into `output` (both may be the same); returns P(voice). */
  _rnnoise_process_frame(state: number, output: number, input: number): number;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Options Parley passes: the WebAssembly's bytes, so that the module fetches nothing itself. */
export interface RnnoiseOptions {
  wasmBinary: ArrayBuffer;
}

export default function createRNNWasmModule(options: RnnoiseOptions): Promise<RnnoiseModule>;
