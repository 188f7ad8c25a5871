/**
 * What the page and the noise filter's AudioWorklet (noise_worklet.ts) say to each other: the
 * processor's name, and the words on its port.
 *
 * @module
 */

/** The name the worklet registers its processor under and the page makes its node with. */
export const NOISE_PROCESSOR = "parley-noise-suppressor";

/** Worklet → page: RNNoise is running. (A failure is `failed: <why>`.) */
export const READY = "ready";

/** Page → worklet: stop for good, and free RNNoise's memory. */
export const STOP = "stop";
