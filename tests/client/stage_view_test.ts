/**
 * What the stage says about the other person from what they sent over the data channel
 * (client/presence/presence.ts, client/page/stage_view.ts): untrusted presence is checked, a camera off shows a
 * placeholder with their initial, a muted microphone a badge, and the tab title tells arrivals.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readPresence } from "../../client/presence/presence.ts";
import { clock, stageView } from "../../client/page/stage_view.ts";
import { connectedPair, settle } from "../helpers/fake_call.ts";

Deno.test("presence from the other side: the expected shape only, names cut and cleaned", () => {
  assert.deepEqual(readPresence({ type: "presence", mic: true, camera: false, name: " Ada " }), {
    mic: true,
    camera: false,
    name: "Ada",
  });
  assert.equal(readPresence({ type: "presence", mic: "yes", camera: false }), null);
  assert.equal(readPresence({ type: "presence", camera: true }), null);
  assert.equal(
    readPresence({ type: "presence", mic: true, camera: true, name: "x".repeat(500) })!.name
      .length,
    40,
  );
  assert.equal(
    readPresence({ type: "presence", mic: true, camera: true, name: "A\u0000\u202eB" })!.name,
    "AB",
  );
  assert.equal(readPresence({ type: "presence", mic: true, camera: true, name: 7 })!.name, "");
});

Deno.test("the stage in a call: placeholder with their initial, muted badge, title", async () => {
  const { a, b } = await connectedPair();
  const view = a.view();
  const off = stageView(view, { mic: false, camera: false, name: "ada" });
  assert.equal(off.cameraOff, true);
  assert.equal(off.muted, true);
  assert.equal(off.initial, "A");
  assert.equal(off.cameraOffText, "ada's camera is off");
  assert.equal(off.title, "Parley — \u2068ada\u2069 joined", "their name isolated");
  assert.equal(off.message, null, "connected: nothing over their picture");
  const unknown = stageView(view, null);
  assert.equal(unknown.cameraOff, false, "no placeholder before they say anything");
  assert.equal(unknown.name, "The other person");
  assert.equal(unknown.title, "Parley — they joined");

  b.send({ type: "user.hangUp" });
  await settle();
  b.socket.send({ type: "signal.left" });
  a.socket.send({ type: "peer.left", reason: "hang-up" });
  await settle();
  const left = stageView(a.view(), { mic: false, camera: false, name: "ada" });
  assert.equal(left.title, "Parley — they left");
  assert.equal(left.cameraOff, false, "no placeholder of someone who left");
  assert.equal(left.muted, false);
  assert.match(left.message ?? "", /hung up/);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the call timer reads as a clock", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(65_400), "1:05");
  assert.equal(clock(3_729_000), "1:02:09");
});
