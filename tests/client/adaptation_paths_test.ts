/**
 * The adaptation (client/adaptation/adaptation.ts, client/adaptation/path_reading.ts) on made-up
 * seconds, telling three troubles apart: random loss on a path with room (the picture keeps its
 * size, pauses only when most packets are lost for a while, and is back at full quality the
 * moment the loss ends), a full link (a queue: lowered, paused below the lowest level), and a busy
 * machine (the browser short of CPU: never paused nor called a poor connection for it).
 *
 * @module
 */
import assert from "node:assert/strict";
import { PROBE_FACTOR, RESUME_SAMPLES } from "../../client/adaptation/adaptation.ts";
import { CPU_MEMORY } from "../../client/adaptation/path_reading.ts";
import { PAUSED } from "../../client/adaptation/send_levels.ts";
import { start } from "../helpers/adaptation_driver.ts";

const FULL_PICTURE = { video: "full", reason: null, recovering: false };
/** Round trips a full link's queue adds (ms), and what it loses, for a second with its estimate. */
const FULL = { rttMs: 400, loss: 0.2 };

Deno.test("random loss with no queue keeps the picture's size, whatever the estimate, and never pauses", () => {
  // The browser's estimate falls with loss alone, over a few seconds: its encoder sends the same
  // size at that rate.
  const t = start().hold(3, 3_000_000).hold(3, 3_000_000, { loss: 0.15 });
  t.hold(30, 500_000, { loss: 0.15 });
  assert.deepEqual(t.limits(), { fresh: 0 }, "the top: no size or bitrate of Parley's");
  assert.deepEqual(t.state(), FULL_PICTURE, "nothing lowered, nothing said");
  t.hold(30, 60_000, { loss: 0.15 });
  assert.deepEqual(t.limits(), { fresh: 0 }, "an estimate fallen to 60 kbit/s: still the top");
  // A second or two reported clean amid the loss does not let the falling estimate lower it, nor
  // a lone round trip well above the usual (a busy machine's).
  t.sample(60_000, { loss: 0.01 }).sample(60_000, { loss: 0.08, rttMs: 400 });
  assert.deepEqual(t.limits(), { fresh: 0 });
});

Deno.test("a burst of loss with an estimate fallen at once (a rate limit's queue overflowing) lowers the picture at once", () => {
  const t = start().hold(3, 3_000_000).sample(500_000, { loss: 0.15, rttMs: 218 });
  assert.equal(t.limits().height, 360);
});

Deno.test("most packets lost pauses only once it lasts, while the estimate affords a picture", () => {
  // A rate limit's queue overflowing loses about half the packets for a second.
  const t = start().hold(3, 3_000_000).sample(300_000, { loss: 0.56, rttMs: 199 });
  assert.notEqual(t.state().video, "paused", "not for one second");
  t.sample(300_000, { loss: 0.5, rttMs: 199 });
  assert.equal(t.state().video, "paused", "the second in a row");
  // With an estimate that affords no picture at all: at once.
  const u = start().hold(3, 3_000_000).sample(60_000, { loss: 0.5 });
  assert.equal(u.state().video, "paused");
});

Deno.test("paused for loss on a path with no queue: back at full quality the moment a long spell ends", () => {
  const t = start().hold(3, 3_000_000).hold(2, 60_000, { loss: 0.5 }).hold(8, 60_000, {
    loss: 0.3,
  });
  assert.equal(t.state().video, "paused");
  t.sample(60_000);
  assert.deepEqual(t.limits(), { fresh: 1 }, "the top from a fresh source, whatever the estimate");
  assert.deepEqual(t.state(), FULL_PICTURE);
  // A burst of three seconds (as a rate limit's queue overflows) is no random loss: no jump.
  const u = start().hold(3, 3_000_000).hold(2, 60_000, { loss: 0.5 }).sample(60_000, { loss: 0.3 });
  u.sample(60_000);
  assert.equal(u.state().video, "paused");
});

Deno.test("at the top through a long spell of loss: the estimate it left does not lower it after", () => {
  const t = start().hold(3, 3_000_000).hold(3, 3_000_000, { loss: 0.15 });
  t.hold(20, 500_000, { loss: 0.15 }).hold(10, 500_000);
  assert.deepEqual(t.limits(), { fresh: 0 }, "still the top, 10 s after");
  t.sample(200_000);
  assert.equal(t.limits().height, 180, "an estimate halved since: down");
  // Once the estimate affords the top again, it alone decides again.
  const u = start().hold(3, 3_000_000).hold(3, 3_000_000, { loss: 0.15 });
  u.hold(20, 500_000, { loss: 0.15 }).hold(5, 500_000).sample(3_000_000).sample(500_000);
  assert.equal(u.limits().height, 360);
});

Deno.test("paused for loss that goes on lightly: back at the smallest picture after a few seconds", () => {
  const t = start().hold(3, 3_000_000).hold(2, 60_000, { loss: 0.5 });
  t.hold(RESUME_SAMPLES - 1, 60_000, { loss: 0.05 });
  assert.equal(t.state().video, "paused");
  t.sample(60_000, { loss: 0.05 });
  assert.deepEqual(t.state(), { video: "lowered", reason: "network", recovering: true });
  assert.equal(t.limits().height, 180, "whatever the estimate");
});

Deno.test("lowered on a full link, then loss that ends with the queue gone: straight back to the top", () => {
  // A queue lowers it; it drains, loss stays a while (a radio), then ends. The queue is long gone:
  // the top at once instead of waiting for the browser's estimate to climb from 300 kbit/s.
  const t = start().hold(3, 3_000_000).sample(300_000, FULL).sample(300_000, { rttMs: 20 });
  assert.equal(t.limits().height, 180);
  t.hold(30, 300_000, { loss: 0.15 });
  assert.equal(t.limits().height, 180, "not up while losing packets");
  t.sample(300_000);
  assert.deepEqual(t.limits(), { fresh: 1 }, "the loss over: the top");
  assert.deepEqual(t.state(), FULL_PICTURE);
  // The estimate the loss left is no reason to go down again, nor a lone high round trip...
  t.hold(20, 300_000).sample(300_000, { rttMs: 400 }).sample(300_000 * 0.6);
  assert.deepEqual(t.limits(), { fresh: 1 }, "held at the top");
  // ...an estimate falling to half of it is, or a queue that holds.
  t.sample(300_000 * 0.6).sample(100_000);
  assert.equal(t.limits().height, 180, "fallen back at once");
  const u = start().hold(3, 3_000_000).sample(300_000, FULL).sample(300_000, { rttMs: 20 });
  u.hold(30, 300_000, { loss: 0.15 }).sample(300_000);
  u.hold(3, 300_000, { rttMs: 400 });
  assert.equal(u.limits().height, 180, "a queue again: down");
});

Deno.test("the end of a full link's burst of loss probes at once, and climbs to the top", () => {
  // Two seconds of loss as the queue overflowed: not steady loss, so no jump; a probe.
  const t = start().hold(3, 3_000_000).sample(300_000, FULL).sample(300_000, { loss: 0.06 });
  assert.equal(t.limits().height, 180);
  t.sample(300_000);
  assert.equal(t.limits().maxBitrate, PROBE_FACTOR * 300_000, "a probe the first clean second");
  t.sample(900_000).sample(2_500_000);
  assert.deepEqual(t.limits(), { fresh: 1 }, "the top, from a fresh source");
});

Deno.test("paused on a full link, it does not come back by the clock while the queue is remembered", () => {
  const t = start().hold(3, 3_000_000).sample(60_000, FULL).hold(20, 60_000, { loss: 0 });
  assert.equal(t.state().video, "paused", "only a probe that finds room brings it back");
});

Deno.test("poor seconds with a queue and nothing lost pause it only on the fifth", () => {
  const t = start().hold(3, 3_000_000).hold(4, 90_000, { rttMs: 400 });
  assert.equal(t.state().video, "lowered");
  assert.equal(t.limits().height, 180, "the smallest picture meanwhile");
  t.sample(null).sample(90_000);
  assert.equal(t.state().video, "paused", "a second without an estimate changes nothing");
});

Deno.test("a sender short of CPU is left to the browser: never paused, never lowered nor called slow", () => {
  // A busy machine: the browser says its encoder lacks CPU, round trips jump, the estimate dips,
  // nothing is lost. The browser lowers the picture's size itself.
  const busy = { rttMs: 400, cpuLimited: true };
  const t = start().hold(3, 3_000_000).hold(20, 90_000, busy);
  assert.deepEqual(t.limits(), { fresh: 0 }, "no pause, no size of Parley's");
  assert.deepEqual(t.state(), FULL_PICTURE, "nothing said about the connection");
  // The rises it made are not remembered as a queue once the CPU is back: nothing lowered.
  t.hold(CPU_MEMORY + 5, 3_000_000, { rttMs: 400 });
  assert.deepEqual(t.state(), FULL_PICTURE);
});

Deno.test("short of CPU on a link that loses packets: the network's rules again", () => {
  // A full link under a busy machine: once packets are lost, the trouble is the network's.
  const t = start().hold(3, 3_000_000).hold(3, 3_000_000, { cpuLimited: true });
  t.sample(60_000, { rttMs: 400, loss: 0.5, cpuLimited: true });
  assert.equal(t.state().video, "paused", "most packets lost and no room for a picture");
  // The CPU flag gone for a few seconds, a queue counts again.
  const u = start().hold(3, 3_000_000).hold(3, 3_000_000, { cpuLimited: true });
  u.hold(CPU_MEMORY, 3_000_000).sample(90_000, FULL);
  assert.deepEqual(u.limits(), { ...PAUSED, fresh: 0 }, "a queue, packets lost, no room: paused");
});
