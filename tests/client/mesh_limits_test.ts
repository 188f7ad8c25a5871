/**
 * Upload in a group call (client/adaptation/send_levels.ts): each connection's share of the
 * uplink as the number of others grows, and how it combines with the adaptation's own limits.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CAMERA_LEVELS,
  MESH_VIDEO_BUDGET,
  MESH_VIDEO_TARGET,
  meshLimits,
  tighter,
  WIRE_OVERSHOOT,
} from "../../client/adaptation/send_levels.ts";

Deno.test("a call of two is not limited; each more person lowers the picture and its bitrate", () => {
  assert.deepEqual(meshLimits(1), {});
  assert.deepEqual(meshLimits(0), {});
  assert.deepEqual(meshLimits(2), { height: 540, maxBitrate: 1_000_000 });
  assert.deepEqual(meshLimits(3), { height: 360, maxBitrate: 724_000 });
  let last = meshLimits(2);
  for (let others = 3; others <= 8; others++) {
    const limits = meshLimits(others);
    assert.ok(
      limits.maxBitrate! <= last.maxBitrate!,
      `${others}: no more bitrate than ${others - 1}`,
    );
    assert.ok(limits.height! <= last.height!, `${others}: no taller than ${others - 1}`);
    last = limits;
  }
});

Deno.test("the pictures to everyone together stay within a home uplink's budget", () => {
  for (let others = 2; others <= 8; others++) {
    const total = meshLimits(others).maxBitrate! * others;
    assert.ok(total <= MESH_VIDEO_BUDGET, `${others} others: ${total} bit/s`);
  }
  assert.equal(MESH_VIDEO_TARGET, 2_500_000, "about 2.5 Mbit/s at most in a call of four");
  assert.equal(MESH_VIDEO_BUDGET, Math.floor(MESH_VIDEO_TARGET / WIRE_OVERSHOOT / 1000) * 1000);
});

Deno.test("a call of four's peak on the wire stays under 2.5 Mbit/s, the encoder's overshoot included", () => {
  const capped = meshLimits(3).maxBitrate! * 3;
  // The overshoot measured (2,530 kbit/s on the wire for 3 × 800 kbit/s set) stays well under.
  const measured = 2_530_000 / (3 * 800_000);
  assert.ok(capped * measured <= MESH_VIDEO_TARGET * 0.93, `${capped * measured} bit/s`);
  // An overshoot of 15% (a key frame, a busy picture, headers) still does not pass the target.
  assert.ok(WIRE_OVERSHOOT >= 1.15);
  for (let others = 2; others <= 8; others++) {
    const wire = meshLimits(others).maxBitrate! * others * WIRE_OVERSHOOT;
    assert.ok(wire <= MESH_VIDEO_TARGET, `${others} others: ${wire} bit/s on the wire at most`);
  }
});

Deno.test("with the adaptation's limits: the smaller of the two wins, its fresh source kept", () => {
  const poorLink = { ...CAMERA_LEVELS[3], fresh: 2 };
  const both = tighter(poorLink, meshLimits(3));
  assert.equal(both.height, 270, "the network asks for less than the group");
  assert.equal(both.maxBitrate, 280_000);
  assert.equal(both.fresh, 2);
  assert.deepEqual(tighter({}, meshLimits(3)), { height: 360, maxBitrate: 724_000 });
  assert.deepEqual(tighter({ maxFramerate: 15 }, {}), { maxFramerate: 15 });
  assert.deepEqual(tighter({}, {}), {});
});
