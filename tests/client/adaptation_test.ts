/**
 * The adaptation (client/adaptation.ts) on made-up seconds of stats, its time the samples' own:
 * what it lets the senders use for each second, when it pauses, how it probes its way back, data
 * saver, a screen's ladder, and what the pages are told. Loss, a full link and a busy machine told
 * apart: adaptation_paths_test.ts.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  initialAdaptation,
  limitsOf,
  PROBE_FACTOR,
  PROBE_FIRST_MS,
  RAMP_SAMPLES,
} from "../../client/adaptation/adaptation.ts";
import { CAMERA_LEVELS, PAUSED, SAVER_LEVEL } from "../../client/adaptation/send_levels.ts";
import { start } from "../helpers/adaptation_driver.ts";

const SECONDS = PROBE_FIRST_MS / 1000;

Deno.test("in a call's first seconds a picture lowered by the climbing estimate is not called slow", () => {
  // Every call starts so: the browser's estimate begins low and climbs.
  const t = start("camera", false, true).sample(300_000);
  assert.deepEqual(
    [t.limits().height, t.limits().maxBitrate],
    [180, 150_000],
    "lowered all the same",
  );
  assert.deepEqual(t.state(), { video: "full", reason: null, recovering: false });
  // Still lowered once the first seconds are over: now it is said.
  t.hold(RAMP_SAMPLES, 300_000);
  assert.equal(t.state().video, "lowered");
  // A pause is said at once, first seconds or not.
  const p = start("camera", false, true).sample(50_000, { loss: 0.5 });
  assert.equal(p.state().video, "paused");
});

Deno.test("a good estimate sends the camera as captured; a poorer one lowers it at once", () => {
  const t = start().sample(3_000_000);
  assert.deepEqual(t.limits(), { fresh: 0 }, "no limit at the top");
  assert.deepEqual(t.state(), { video: "full", reason: null, recovering: false });

  // 300 kbit/s: room for the voice and a 180p picture, not 270p.
  t.sample(300_000);
  assert.deepEqual([t.limits().height, t.limits().maxBitrate], [180, 150_000]);
  assert.deepEqual(t.state(), { video: "lowered", reason: "network", recovering: false });
});

Deno.test("between probes, an estimate that grows brings it up, with a margin, on a clean path", () => {
  // Down, then a probe that finds nothing: the next one is 4 s away.
  const t = start().sample(3_000_000).sample(300_000).hold(SECONDS + 2, 300_000);
  t.sample(500_000, { loss: 0.2 });
  assert.equal(t.limits().height, 180, "not while losing packets");
  t.sample(500_000);
  assert.equal(t.limits().height, 270, "500 kbit/s affords 360p, but not with a margin");
  assert.equal(t.limits().maxBitrate, CAMERA_LEVELS[3].maxBitrate, "not a probe");
  assert.deepEqual(t.state(), { video: "lowered", reason: "network", recovering: true });
});

/** Round trips a full link's queue adds (ms), and what it loses, for a second with its estimate. */
const FULL = { rttMs: 400, loss: 0.2 };

Deno.test("below the lowest level on a full link the picture pauses at once, as a thumbnail, with a thinner voice", () => {
  const t = start().hold(3, 3_000_000).sample(90_000, FULL);
  assert.deepEqual(t.limits(), { ...PAUSED, fresh: 0 }, "at once: a queue, and packets lost");
  assert.deepEqual(t.state(), { video: "paused", reason: "network", recovering: false });
});

Deno.test("round trips well past the usual (a queue) keep it from going up, even on a probe", () => {
  const t = start().hold(5, 3_000_000).sample(300_000).hold(SECONDS, 300_000);
  assert.equal(t.limits().maxBitrate, PROBE_FACTOR * 300_000, "probing");
  t.sample(2_500_000, { rttMs: 400 });
  assert.equal(t.limits().height, 180, "no higher while a queue builds");
  t.sample(2_500_000);
  assert.equal(t.limits().height, undefined, "up once it has gone");
});

Deno.test("a probe raises the cap for a moment; a higher estimate climbs straight up from a fresh source", () => {
  const t = start().sample(3_000_000).sample(300_000);
  t.hold(SECONDS, 300_000);
  assert.equal(t.limits().maxBitrate, PROBE_FACTOR * 300_000, "the probe's cap: well above");
  assert.equal(t.limits().height, 180, "the picture stays as it is while probing");
  t.sample(2_500_000);
  assert.deepEqual(t.limits(), { fresh: 1 }, "the top, from a fresh source");
  assert.deepEqual(t.state(), { video: "full", reason: null, recovering: false });
});

Deno.test("a probe that finds nothing goes back to the cap, and the next one waits twice as long", () => {
  const t = start().sample(3_000_000).sample(300_000);
  const lowered = t.limits();
  t.hold(SECONDS, 300_000).hold(2, 310_000);
  assert.deepEqual(t.limits(), lowered, "back to the lowered cap");
  t.hold(2 * SECONDS - 1, 300_000);
  assert.deepEqual(t.limits(), lowered, "no probe yet");
  t.sample(220_000);
  assert.equal(t.limits().maxBitrate, PROBE_FACTOR * 220_000, "the next probe");
});

Deno.test("a probe that finds more, short of the top, asks more at once", () => {
  const t = start().sample(3_000_000).sample(300_000).hold(SECONDS, 300_000);
  t.sample(500_000);
  assert.equal(t.limits().height, 180, "not up on a probe short of the top");
  assert.equal(t.limits().maxBitrate, PROBE_FACTOR * 500_000, "the next probe asks more");
  t.sample(2_000_000);
  assert.deepEqual(t.limits(), { fresh: 1 });
});

Deno.test("climbing back part of the way says it is recovering", () => {
  const t = start().sample(3_000_000).sample(300_000).hold(SECONDS + 2, 300_000);
  t.sample(700_000);
  assert.equal(t.limits().height, 360, "700 kbit/s affords 360p with a margin");
  assert.deepEqual(t.state(), { video: "lowered", reason: "network", recovering: true });
});

Deno.test("a paused picture probes with its thumbnail, and comes back when the path has room", () => {
  const t = start().hold(3, 3_000_000).sample(90_000, FULL);
  t.hold(SECONDS - 1, 95_000);
  assert.deepEqual(t.limits(), { ...PAUSED, fresh: 0 }, "stays paused on a thin path");
  t.sample(95_000);
  assert.equal(t.limits().height, PAUSED.height, "still a thumbnail...");
  assert.ok(t.limits().maxBitrate! > PAUSED.maxBitrate!, "...with room for the browser's probe");
  t.hold(2, 95_000);
  assert.deepEqual(t.limits(), { ...PAUSED, fresh: 0 }, "nothing found: paused as before");
  t.hold(2 * SECONDS, 95_000).sample(3_000_000);
  assert.deepEqual(t.limits(), { fresh: 1 }, "back at the top from a fresh source");
  assert.equal(t.state().video, "full");
});

Deno.test("paused again right after resuming: the next probes wait longer", () => {
  const t = start().hold(3, 3_000_000).sample(90_000, FULL).hold(SECONDS, 95_000);
  t.hold(3, 400_000);
  assert.equal(t.state().video, "paused", "a probe short of the top does not resume it...");
  t.sample(400_000);
  assert.equal(t.state().video, "lowered", "...the estimate with a margin does, after it");
  t.sample(90_000, FULL);
  assert.equal(t.state().video, "paused");
  t.hold(SECONDS, 90_000);
  assert.equal(t.limits().maxBitrate, PAUSED.maxBitrate, "no probe after the first wait");
  t.hold(SECONDS, 90_000);
  assert.ok(t.limits().maxBitrate! > PAUSED.maxBitrate!, "it probes after twice that");
});

Deno.test("data saver keeps the camera at 360p and a small bitrate, whatever the estimate", () => {
  const t = start("camera", true).sample(5_000_000);
  const saver = CAMERA_LEVELS[SAVER_LEVEL];
  assert.deepEqual([t.limits().height, t.limits().maxBitrate], [saver.height, saver.maxBitrate]);
  assert.deepEqual(t.state(), { video: "lowered", reason: "saver", recovering: false });
  t.hold(60, 5_000_000);
  assert.deepEqual([t.limits().height, t.limits().maxBitrate], [saver.height, saver.maxBitrate]);

  t.tell({ type: "saver", on: false });
  t.hold(SECONDS + 1, 5_000_000);
  assert.equal(t.limits().height, undefined, "off: as captured again");
  assert.equal(t.state().video, "full");
  t.tell({ type: "saver", on: true });
  assert.equal(t.limits().height, 360, "on again: lowered at once");
});

Deno.test("a screen keeps its resolution and gives up frames; a camera the other way round", () => {
  const t = start("screen").sample(3_000_000).sample(400_000);
  assert.equal(t.limits().height, undefined, "as sharp as captured");
  assert.ok(t.limits().maxFramerate! <= 5);
  t.tell({ type: "source", source: "camera" });
  t.sample(400_000);
  assert.ok(t.limits().height! <= 270, "a camera gives up resolution instead");
  assert.equal(t.limits().maxFramerate, undefined);
});

Deno.test("with the camera off nothing is limited, nothing is said", () => {
  const t = start("none").sample(50_000);
  assert.equal(limitsOf(initialAdaptation("none")), null);
  assert.deepEqual(t.state(), { video: "off", reason: null, recovering: false });
  t.tell({ type: "source", source: "camera" });
  t.hold(5, 50_000);
  assert.equal(t.limits().height, 180, "on: the camera adapts");
});
