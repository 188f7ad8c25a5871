/**
 * What the indicator says Parley did to each side's picture (client/adaptation/sending_view.ts),
 * and what it accepts from the other side as theirs.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { SendingState } from "../../client/adaptation/adaptation.ts";
import {
  readSending,
  sendingLines,
  sendingMessage,
  toldState,
} from "../../client/adaptation/sending_view.ts";

const FULL: SendingState = { video: "full", reason: null, recovering: false };
const PAUSED: SendingState = { video: "paused", reason: "network", recovering: false };
const LOWERED: SendingState = { video: "lowered", reason: "network", recovering: false };
const words = (mine: SendingState | null, theirs: SendingState | null) =>
  sendingLines(mine, theirs).map((line) => line.text);

Deno.test("nothing to say while both pictures go in full, or before anything is known", () => {
  assert.deepEqual(words(FULL, FULL), []);
  assert.deepEqual(words(null, null), []);
  assert.deepEqual(words({ video: "off", reason: null, recovering: false }, null), []);
});

Deno.test("a paused picture is said on each side in its own words", () => {
  assert.deepEqual(words(PAUSED, FULL), ["Video paused to keep your voice clear"]);
  assert.deepEqual(words(FULL, PAUSED), ["Their video is paused: their connection is weak"]);
});

Deno.test("which side, what was lowered, and that it is coming back", () => {
  assert.deepEqual(words(LOWERED, null), [
    "Your video is sent smaller: your connection is slow",
  ]);
  assert.deepEqual(words(null, { ...LOWERED, recovering: true }), [
    "Their connection is better: their video is coming back",
  ]);
  assert.deepEqual(words({ video: "lowered", reason: "saver", recovering: false }, PAUSED), [
    "Their video is paused: their connection is weak",
    "Data saver: your video is sent small",
  ], "warnings before what is only worth knowing");
});

Deno.test("coming back is said only of a picture said to be lowered or paused before", () => {
  const BACK: SendingState = { ...LOWERED, recovering: true };
  assert.deepEqual(toldState(PAUSED, BACK), BACK, "after a pause");
  assert.deepEqual(toldState(LOWERED, BACK), BACK, "after a lowering said");
  assert.deepEqual(toldState(BACK, BACK), BACK, "all the way back");
  // Lowered while the estimate ramped up at the start (said as full): its climb says nothing.
  assert.deepEqual(toldState(FULL, BACK), FULL);
  assert.deepEqual(toldState(null, BACK), FULL);
  assert.deepEqual(toldState(FULL, LOWERED), LOWERED, "a lowering is said as before");
});

Deno.test("the other side's word is taken only in the expected shape", () => {
  const sent = sendingMessage(PAUSED);
  assert.deepEqual(readSending(JSON.parse(JSON.stringify(sent))), PAUSED);
  assert.equal(
    readSending({ type: "sending", video: "<img>", reason: null, recovering: false }),
    null,
  );
  assert.equal(
    readSending({ type: "sending", video: "paused", reason: "x", recovering: false }),
    null,
  );
  assert.equal(readSending({ type: "sending", video: "paused", reason: null }), null);
});
