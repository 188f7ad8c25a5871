import assert from "node:assert/strict";
import {
  DRAW_SHARE,
  MAX_SEGMENTATIONS_PER_SECOND,
  OUTPUT_SCALES,
  OutputScale,
  SEGMENTATION_SHARE,
  SegmentationPace,
} from "../../../client/processing/blur_pace.ts";

/** Segmentations per second, and the share of the time they take, at a steady `ms` each. */
function steady(ms: number): { rate: number; share: number } {
  const pace = new SegmentationPace();
  for (let i = 0; i < 50; i++) pace.record(ms);
  const period = ms + pace.pauseMs();
  return { rate: 1000 / period, share: ms / period };
}

Deno.test("blur pace: a fast machine segments at most 10 times a second", () => {
  assert.equal(MAX_SEGMENTATIONS_PER_SECOND, 10);
  for (const ms of [1, 5, 15]) {
    assert.ok(Math.abs(steady(ms).rate - 10) < 0.01, `${ms} ms: ${steady(ms).rate}/s`);
  }
});

Deno.test("blur pace: a slow machine segments less often, never more than a fifth of the time", () => {
  assert.equal(SEGMENTATION_SHARE, 1 / 5);
  for (const ms of [30, 60, 120, 400]) {
    const { rate, share } = steady(ms);
    assert.ok(share <= SEGMENTATION_SHARE + 1e-9, `${ms} ms: ${share}`);
    assert.ok(rate < 10);
  }
  assert.ok(Math.abs(steady(60).share - 1 / 5) < 1e-9, "as often as the share allows");
});

Deno.test("blur pace: one slow segmentation slows the pace a little, not to a halt", () => {
  const pace = new SegmentationPace();
  for (let i = 0; i < 20; i++) pace.record(10);
  const before = pace.pauseMs();
  pace.record(500);
  assert.ok(pace.pauseMs() > before);
  assert.ok(pace.estimateMs! < 200, `estimate ${pace.estimateMs}`);
  for (let i = 0; i < 20; i++) pace.record(10);
  assert.ok(Math.abs(pace.pauseMs() - before) < 1, "and it recovers");
});

Deno.test("blur pace: before any segmentation there is no wait", () => {
  const pace = new SegmentationPace();
  assert.equal(pace.estimateMs, null);
  assert.ok(Math.abs(pace.pauseMs() - 1000 / 10) < 1e-9);
});

/** Feeds `scale` frames at `fps` that each take `ms` at full size (less when drawn smaller). */
function run(scale: OutputScale, seconds: number, fps: number, msAtFull: number, from = 0): number {
  let now = from;
  for (let i = 0; i < seconds * fps; i++) {
    now += 1000 / fps;
    scale.record(msAtFull * scale.scale ** 2, now);
  }
  return now;
}

Deno.test("output scale: it starts at half size; a machine with time to spare grows to full", () => {
  const scale = new OutputScale();
  assert.equal(scale.scale, 0.5);
  run(scale, 11, 30, 2);
  assert.equal(scale.scale, 1);
});

Deno.test("output scale: a slow machine draws smaller within seconds, as small as it needs", () => {
  const scale = new OutputScale();
  let now = run(scale, 11, 30, 2);
  assert.equal(scale.scale, 1);
  // Then 25 ms a frame at 30 frames a second: three quarters of the time.
  now = run(scale, 2.5, 30, 25, now);
  assert.equal(scale.scale, 0.5, "0.75 of the time, a quarter of the pixels: under a third");
  run(scale, 10, 30, 25, now);
  assert.equal(scale.scale, 0.5, "and it stays there");
  assert.ok(25 * 0.25 * 30 / 1000 <= DRAW_SHARE);
});

Deno.test("output scale: hopeless is the smallest size, not fewer frames", () => {
  const scale = new OutputScale();
  run(scale, 3, 30, 500);
  assert.equal(scale.scale, OUTPUT_SCALES.at(-1));
});

Deno.test("output scale: time to spare for five seconds brings a larger size back", () => {
  const scale = new OutputScale();
  // 50 ms a frame at full size: 12.5 at half, over a third of the time.
  let now = run(scale, 1.1, 30, 50);
  assert.equal(scale.scale, 0.375, "a little smaller");
  now = run(scale, 5, 30, 50, now);
  // The machine has calmed down: 2 ms a frame at full size.
  now = run(scale, 4, 30, 2, now);
  assert.equal(scale.scale, 0.375, "not before five seconds");
  now = run(scale, 2, 30, 2, now);
  assert.equal(scale.scale, 0.5);
  run(scale, 11, 30, 2, now);
  assert.equal(scale.scale, 1);
});
