/**
 * Screen sharing in the call machine (issue 11) on fake effects: the screen goes out in place of
 * the camera on the same connection (no new offer), and the camera comes back when sharing stops
 * from Parley's button, from the browser's own "Stop sharing", or when the person declines.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectedPair, type FakeCall, FakeTrack, settle } from "../helpers/fake_call.ts";

const sharing = (call: FakeCall) => call.actor.getSnapshot().hasTag("sharing");
const sentVideo = (call: FakeCall) => call.pc.sent.filter((track) => track.kind === "video");
const offers = (call: FakeCall) => call.pc.commands.filter((type) => type === "offer").length;

Deno.test("Share screen sends the screen instead of the camera, without a new offer; Stop sharing brings the camera back", async () => {
  const { a, b } = await connectedPair();
  const camera = a.stream!.tracks.find((track) => track.kind === "video")!;
  const offersBefore = offers(a);
  a.send({ type: "user.shareScreen" });
  await settle();
  assert.ok(sharing(a), "sharing while the person picks a screen");
  assert.deepEqual(sentVideo(a), [camera], "the camera still goes out while the picker is open");
  a.shares.at(-1)!.pick();
  await settle();
  assert.deepEqual(sentVideo(a), [a.shares.at(-1)!.track], "the screen goes out");
  assert.equal(offers(a), offersBefore, "no renegotiation");
  assert.ok(a.view().connected, "still connected");

  a.send({ type: "user.stopSharing" });
  await settle();
  assert.ok(!sharing(a));
  assert.deepEqual(sentVideo(a), [camera], "the camera is back");
  assert.ok(a.shares.at(-1)!.stopped && a.shares.at(-1)!.track.stopped, "the screen is let go");
  assert.equal(camera.stopped, false);
  assert.equal(offers(a), offersBefore, "no renegotiation");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("stopping from the browser's own bar (the track ends) brings the camera back", async () => {
  const { a, b } = await connectedPair();
  const camera = a.stream!.tracks.find((track) => track.kind === "video")!;
  a.send({ type: "user.shareScreen" });
  await settle();
  a.shares.at(-1)!.pick();
  await settle();
  a.shares.at(-1)!.end("stopped");
  await settle();
  assert.ok(!sharing(a));
  assert.deepEqual(sentVideo(a), [camera]);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("declining the picker leaves the call as it was; sharing can be tried again", async () => {
  const { a, b } = await connectedPair();
  const camera = a.stream!.tracks.find((track) => track.kind === "video")!;
  a.send({ type: "user.shareScreen" });
  await settle();
  a.shares.at(-1)!.end("declined");
  await settle();
  assert.ok(!sharing(a));
  assert.deepEqual(sentVideo(a), [camera]);
  a.send({ type: "user.shareScreen" });
  await settle();
  assert.ok(sharing(a));
  assert.equal(a.shares.length, 2);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("hanging up while sharing lets the screen go", async () => {
  const { a, b } = await connectedPair();
  a.send({ type: "user.shareScreen" });
  await settle();
  a.shares.at(-1)!.pick();
  await settle();
  a.send({ type: "user.hangUp" });
  await a.advance(2000);
  assert.ok(a.actor.getSnapshot().matches("ended"));
  assert.ok(a.shares.at(-1)!.stopped && a.shares.at(-1)!.track.stopped);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a tab's sound, mixed with the microphone, goes out instead of the microphone alone; Stop sharing brings the microphone back", async () => {
  const { a, b } = await connectedPair();
  const microphone = a.stream!.tracks.find((track) => track.kind === "audio")!;
  const sentAudio = (call: FakeCall) => call.pc.sent.filter((track) => track.kind === "audio");
  const offersBefore = offers(a);
  a.send({ type: "user.shareScreen" });
  await settle();
  const share = a.shares.at(-1)!;
  const mixed = new FakeTrack("audio");
  share.send({ type: "share.started", track: share.track, audio: mixed });
  await settle();
  assert.deepEqual(sentAudio(a), [mixed], "the tab's sound with the microphone goes out");
  assert.equal(share.input.microphone, microphone, "mixed with this microphone");
  a.send({ type: "user.stopSharing" });
  await settle();
  assert.deepEqual(sentAudio(a), [microphone], "the microphone alone again");
  assert.equal(offers(a), offersBefore, "no renegotiation");
  a.actor.stop();
  b.actor.stop();
});
