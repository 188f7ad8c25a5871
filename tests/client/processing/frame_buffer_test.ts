import assert from "node:assert/strict";
import {
  FRAME_SAMPLES,
  FrameBuffer,
  LATENCY_SAMPLES,
} from "../../../client/processing/frame_buffer.ts";

/** Feeds `quanta` quanta of `size` samples counting up from 1; returns every output sample. */
function run(buffer: FrameBuffer, quanta: number, size = 128): Float32Array {
  const out = new Float32Array(quanta * size);
  for (let q = 0; q < quanta; q++) {
    const input = Float32Array.from({ length: size }, (_, i) => q * size + i + 1);
    buffer.push(input, out.subarray(q * size, (q + 1) * size));
  }
  return out;
}

Deno.test("frame buffer: the sound comes out unchanged one frame late, never running dry", () => {
  const frames: number[] = [];
  const out = run(new FrameBuffer((frame) => frames.push(frame[0])), 1500);
  for (let i = 0; i < out.length; i++) {
    const expected = i < LATENCY_SAMPLES ? 0 : i - LATENCY_SAMPLES + 1;
    if (out[i] !== expected) assert.fail(`sample ${i}: ${out[i]}, expected ${expected}`);
  }
  // Every whole frame was processed once, in order, starting where it starts.
  assert.equal(frames.length, Math.floor((1500 * 128) / FRAME_SAMPLES));
  assert.deepEqual(frames.slice(0, 3), [1, 481, 961]);
});

Deno.test("frame buffer: what the processing does to a frame is what comes out", () => {
  const out = run(new FrameBuffer((frame) => frame.fill(0.5)), 30);
  assert.equal(out[LATENCY_SAMPLES - 1], 0, "silence first");
  assert.ok(out.subarray(LATENCY_SAMPLES).every((v) => v === 0.5), "then the processed frames");
});

Deno.test("frame buffer: quanta of other sizes (up to a frame) keep the same delay", () => {
  for (const size of [1, 100, 127, 256, 479, 480]) {
    const out = run(new FrameBuffer(() => {}), Math.ceil(5000 / size), size);
    for (let i = LATENCY_SAMPLES; i < out.length; i++) {
      if (out[i] !== i - LATENCY_SAMPLES + 1) assert.fail(`size ${size}, sample ${i}: ${out[i]}`);
    }
  }
});

Deno.test("frame buffer: nothing connected is silence, not an error", () => {
  const buffer = new FrameBuffer(() => {});
  const out = new Float32Array(128).fill(9);
  for (let i = 0; i < 10; i++) buffer.push(undefined, out);
  assert.ok(out.every((v) => v === 0));
});
