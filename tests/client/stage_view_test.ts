/**
 * What the stage shows for the call and the other person's presence
 * (client/presence/presence.ts, client/page/stage_view.ts): untrusted presence is checked, a
 * camera off shows a placeholder with their initial, the card while alone names who left, the
 * tab title says who joined or left, and the call's clock runs only while the two are connected.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readPresence } from "../../client/presence/presence.ts";
import { clock, nextClock, stageView } from "../../client/page/stage_view.ts";
import { connectedPair, settle } from "../helpers/fake_call.ts";

Deno.test("presence from the other side: the expected shape only, names cut and cleaned", () => {
  assert.deepEqual(readPresence({ type: "presence", mic: true, camera: false, name: " Ada " }), {
    mic: true,
    camera: false,
    name: "Ada",
    sharing: false,
    switching: false,
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
  assert.equal(
    readPresence({ type: "presence", mic: true, camera: true, sharing: "yes" })!.sharing,
    false,
    "only true says they share",
  );
});

Deno.test("the stage in a call: their tile with initial, muted badge, title; the card when they leave", async () => {
  const { a, b } = await connectedPair();
  const view = a.view();
  const [off] = stageView(view, { mic: false, camera: false, name: "ada" }).tiles;
  assert.equal(off.cameraOff, true);
  assert.equal(off.muted, true);
  assert.equal(off.initial, "A");
  assert.equal(off.cameraOffText, "ada's camera is off");
  assert.equal(off.status, null, "connected: nothing over their picture");
  assert.equal(
    stageView(view, { mic: true, camera: true, name: "ada" }).title,
    "Parley — \u2068ada\u2069 joined",
    "their name isolated",
  );
  const presenting = stageView(view, { mic: true, camera: false, name: "ada", sharing: true });
  assert.equal(presenting.tiles[0].presenting, true);
  assert.equal(presenting.tiles[0].cameraOff, false, "a shared screen is not a camera that is off");
  const unknown = stageView(view, null);
  assert.equal(unknown.tiles[0].cameraOff, false, "no placeholder before they say anything");
  assert.equal(unknown.tiles[0].name, "The other person");
  assert.equal(unknown.title, "Parley — they joined");
  assert.equal(unknown.card, null, "no card while they are here");

  b.send({ type: "user.hangUp" });
  await settle();
  b.socket.send({ type: "signal.left" });
  a.socket.send({ type: "peer.left", session: "b-session-1", reason: "hang-up" });
  await settle();
  const left = stageView(a.view(), null, "Ada");
  assert.equal(left.title, "Parley — they left");
  assert.deepEqual(left.tiles, [], "no tile of someone who left");
  assert.equal(
    left.card?.title,
    "\u2068Ada\u2069 left the call",
    "named by the name they last gave",
  );
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the call's clock: starts once connected, goes on across a reconnection, stops alone", async () => {
  const { a, b } = await connectedPair();
  const connected = a.view();
  const started = nextClock(null, connected, 1000);
  assert.equal(started, 1000);
  assert.equal(nextClock(started, connected, 9000), 1000, "it counts from the start");
  const interrupted = { ...connected, connected: false };
  assert.equal(nextClock(started, interrupted, 9000), 1000, "a reconnection keeps the count");
  assert.equal(nextClock(null, interrupted, 9000), null, "not before the first connection");

  b.send({ type: "user.hangUp" });
  await settle();
  b.socket.send({ type: "signal.left" });
  a.socket.send({ type: "peer.left", session: "b-session-1", reason: "hang-up" });
  await settle();
  assert.equal(a.view().peer, "left");
  assert.equal(nextClock(started, a.view(), 20_000), null, "alone: the clock stops");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the call timer reads as a clock", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(65_400), "1:05");
  assert.equal(clock(3_729_000), "1:02:09");
});
