/**
 * The call's lifecycle (machines/call_machine.ts) on fake effects and simulated time, checked
 * through what the page shows (`callView`) and what the fake devices went through.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { MediaFailure } from "../../machines/media_types.ts";
import type { SignalMessage } from "../../protocol/signaling.ts";
import {
  connectedPair,
  createFakeCall,
  FakeRoom,
  joinedAck,
  settle,
  toReady,
} from "../helpers/fake_call.ts";

const REFUSED: MediaFailure = { reason: "denied", missing: ["audio", "video"] };

Deno.test("capturing media leads to the pre-join screen with camera and microphone", async () => {
  const call = createFakeCall("a");
  assert.equal(call.view().screen, "prejoin");
  assert.equal(call.view().canJoin, false);
  await toReady(call);
  const view = call.view();
  assert.equal(view.status, "Ready to join. Check your camera and microphone, then join.");
  assert.equal(view.canJoin, true);
  assert.deepEqual(call.stream?.tracks.map((t) => t.kind), ["audio", "video"]);
  call.actor.stop();
});

Deno.test("Mute and Camera off switch the local tracks off and on again", async () => {
  const call = createFakeCall("a");
  await toReady(call);
  const [audio, video] = call.stream!.tracks;
  call.send({ type: "user.toggleMic" });
  await settle();
  assert.deepEqual([audio.enabled, video.enabled], [false, true]);
  assert.equal(call.view().micOn, false);
  call.send({ type: "user.toggleCamera" });
  call.send({ type: "user.toggleMic" });
  await settle();
  assert.deepEqual([audio.enabled, video.enabled], [true, false]);
  assert.equal(call.view().cameraOn, false);
  call.actor.stop();
});

Deno.test("camera and microphone refused: said, then Join without them (receive-only)", async () => {
  const call = createFakeCall("a", { capture: () => ({ got: [], failure: REFUSED }) });
  await toReady(call);
  const view = call.view();
  assert.equal(view.status, "Your camera or microphone is not available.");
  assert.match(view.alert!.text, /isn't allowed to use your camera and microphone/);
  assert.deepEqual(view.alert!.actions.map((a) => a.label), [
    "Try again",
    "Join without camera and microphone",
  ]);
  call.send({ type: "user.continue" });
  await settle();
  assert.equal(call.view().status, "Ready to join. They will not see or hear you.");
  assert.equal(call.view().canJoin, true);
  call.actor.stop();
});

Deno.test("camera missing: go on with the microphone, or Try again stops what was captured", async () => {
  const call = createFakeCall("a", {
    capture: (wants) => ({
      got: wants.filter((k) => k === "audio"),
      failure: { reason: "not-found", missing: ["video"] },
    }),
  });
  await toReady(call);
  assert.equal(call.view().alert!.text, "No camera was found. Plug one in, then try again.");
  assert.equal(call.view().alert!.actions[1].label, "Continue with microphone only");
  const first = call.stream!;
  call.send({ type: "user.retry" });
  await settle();
  assert.ok(first.tracks.every((t) => t.stopped), "the first capture's tracks are stopped");
  assert.equal(call.view().screen, "message", "the card says what is missing, and Try again");
  call.send({ type: "user.continue" });
  await settle();
  assert.equal(call.view().hasAudio, true);
  assert.equal(call.view().hasVideo, false);
  call.actor.stop();
});

Deno.test("joining an empty room waits with the invite; the newcomer connects the call", async () => {
  const a = createFakeCall("a");
  const b = createFakeCall("b");
  const room = new FakeRoom();
  await toReady(a);
  a.send({ type: "user.join" });
  await settle();
  assert.equal(a.view().status, "Joining the room…");
  assert.equal(a.socket.connects, 1, "the session connects to the server");
  room.join(a);
  await settle();
  assert.equal(a.view().status, "Waiting for the other person. Send them the invite link.");
  assert.equal(a.peers.length, 0, "no peer connection while alone");
  await toReady(b);
  b.send({ type: "user.join" });
  await settle();
  room.join(b);
  await settle();
  assert.equal(a.view().status, "Connecting to the other person…");
  await room.pump();
  a.pc.link("connected");
  b.pc.link("connected");
  await settle();
  assert.equal(a.view().status, "Connected.");
  assert.equal(b.view().connected, true);
  assert.deepEqual(a.pc.sent.map((t) => t.kind), ["audio", "video"]);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the newcomer's offer, made before Join, goes with the join: one offer, answered", async () => {
  const a = createFakeCall("a");
  const b = createFakeCall("b", { roomMembers: 1 });
  const room = new FakeRoom();
  await toReady(a);
  a.send({ type: "user.join" });
  await settle();
  room.join(a);
  await settle();
  // Waiting alone: the connection for whoever comes is made now, to answer with.
  assert.deepEqual(a.warmed.map((w) => [w.input.initiator, w.input.offer, w.stopped]), [
    [true, true, true],
    [false, false, false],
  ]);
  await toReady(b);
  // On the pre-join screen: a connection with its offer, with the servers the lobby heard of.
  assert.deepEqual(b.warmed.map((w) => [w.input.initiator, w.input.offer, w.stopped]), [
    [true, true, false],
  ]);
  assert.equal(b.warmed[0].input.stream, b.stream);
  b.send({ type: "user.join" });
  await settle();
  assert.equal(b.warmed[0].stopped, true, "made ahead, then handed over at Join");
  room.join(b, undefined, { offered: true });
  await settle();
  assert.equal(a.warmed[1].stopped, true, "the waiting side's made-ahead one goes to the call");
  assert.equal(b.pc.input.offered, true);
  // Handed over through the machines: the join got the pre-join one, each call its side's.
  assert.equal(b.socket.input.warm, b.warmed[0].handle, "B's join may carry its offer");
  assert.equal(b.pc.input.warm, b.warmed[0].handle, "B's call adopts what B made ahead");
  assert.equal(a.pc.input.warm, a.warmed[1].handle, "A's call adopts what A made waiting");
  await room.pump();
  assert.deepEqual(b.pc.commands.filter((c) => c === "offer"), [], "no second offer");
  assert.deepEqual(room.relayed.map(({ from, message }) => [from, kindOf(message)]), [
    ["b", "offer"],
    ["a", "answer"],
  ]);
  assert.equal(b.pc.signalingState, "stable");
  assert.equal(b.pc.remoteDescription?.type, "answer");
  a.pc.link("connected");
  b.pc.link("connected");
  await settle();
  assert.equal(b.view().status, "Connected.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("with a relay on the server, the connection is made ahead but offers only after Join", async () => {
  const b = createFakeCall("b", { roomMembers: 1, relay: true });
  await toReady(b);
  assert.deepEqual(b.warmed.map((w) => [w.input.initiator, w.input.offer]), [[true, false]]);
  b.actor.stop();
});

function kindOf(message: SignalMessage): string {
  return "description" in message ? message.description.type : "candidate";
}

Deno.test("a full room says so; Try again joins with a new connection", async () => {
  const call = createFakeCall("a");
  await toReady(call);
  call.send({ type: "user.join" });
  await settle();
  call.socket.send({
    type: "signal.rejected",
    error: { code: "room-full", message: "This room is full." },
  });
  await settle();
  const view = call.view();
  assert.equal(view.screen, "message");
  assert.equal(view.status, "This room is full.");
  assert.deepEqual(view.alert!.actions.map((a) => a.label), ["Try again", "Start a new call"]);
  assert.equal(call.socket.stopped, true, "the refused connection is closed");
  call.send({ type: "user.retry" });
  await settle();
  assert.equal(call.signaling.length, 2);
  assert.equal(call.view().status, "Joining the room…");
  call.actor.stop();
});

Deno.test("other rejections keep the server's words; a page replaced by another tab says so", async () => {
  const call = createFakeCall("a");
  await toReady(call);
  call.send({ type: "user.join" });
  await settle();
  call.socket.send({
    type: "signal.rejected",
    error: { code: "invalid-room", message: "That is not a Parley room id." },
  });
  await settle();
  assert.equal(call.view().alert!.text, "That is not a Parley room id.");
  call.send({ type: "user.retry" });
  await settle();
  call.socket.send({ type: "signal.joined", joined: joinedAck() });
  call.socket.send({ type: "signal.seatTaken" });
  await settle();
  assert.equal(call.view().alert!.text, "This call was opened in another tab.");
  call.actor.stop();
});

Deno.test("hanging up tells the server, stops the camera and closes everything", async () => {
  const { a, b } = await connectedPair();
  const pc = a.pc;
  a.send({ type: "user.hangUp" });
  await settle();
  assert.equal(a.view().status, "Hanging up…");
  assert.deepEqual(a.socket.commands.at(-1), { type: "leave" });
  a.socket.send({ type: "signal.left" });
  await settle();
  const view = a.view();
  assert.equal(view.status, "You left the call.");
  assert.deepEqual(view.alert!.actions.map((x) => x.label), ["Rejoin", "Start a new call"]);
  assert.ok(a.media[0].tracks.every((t) => t.stopped), "camera and microphone stopped");
  assert.equal(pc.closed, true);
  assert.equal(a.socket.stopped, true);
  assert.equal(view.alert!.neutral, true, "leaving is not an error");
  assert.equal(view.heading, "You left the call");
  a.send({ type: "user.retry" });
  await settle();
  assert.equal(a.media.length, 2, "Rejoin starts the camera again");
  // ... and goes straight back into the call: no second Join.
  assert.equal(a.view().screen, "call");
  assert.equal(a.view().inCall, true);
  assert.equal(a.actor.getSnapshot().context.autoJoin, false, "a later Rejoin path starts fresh");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("another camera mid-call is swapped in without a new offer", async () => {
  const { a, b } = await connectedPair();
  const offers = a.pc.commands.filter((c) => c === "offer").length;
  const before = a.pc.sent.find((t) => t.kind === "video");
  a.send({ type: "user.useDevice", kind: "video", deviceId: "back-camera" });
  await settle();
  const after = a.pc.sent.find((t) => t.kind === "video");
  assert.notEqual(after, before, "the new camera's track is sent");
  assert.equal((before as { stopped?: boolean }).stopped, true, "the old camera is let go");
  assert.equal(a.media.at(-1)!.devices.video, "back-camera");
  assert.equal(a.pc.commands.filter((c) => c === "offer").length, offers, "no new offer");
  assert.equal(a.view().status, "Connected.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("hanging up ends the call after 1 s when the server never confirms", async () => {
  const { a, b } = await connectedPair();
  a.send({ type: "user.hangUp" });
  await a.advance(999);
  assert.equal(a.view().status, "Hanging up…");
  await a.advance(1);
  assert.equal(a.view().status, "You left the call.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a connection that fails is said in the room; Retry makes a new peer connection", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "pc.error", message: "boom" });
  await settle();
  const view = a.view();
  assert.equal(view.status, "The connection failed.");
  assert.deepEqual(view.alert!.actions.map((x) => x.label), [
    "Retry",
    "Check your connection",
    "Hang up",
  ]);
  assert.equal(a.pc.closed, true);
  assert.equal(a.stream!.tracks.some((t) => t.stopped), false, "the camera stays on for Retry");
  assert.equal(a.socket.stopped, false, "the seat is kept: the other person is not told we left");
  a.send({ type: "user.retry" });
  await settle();
  assert.equal(a.signaling.length, 1, "the same session");
  assert.equal(a.peers.length, 2, "a new peer connection");
  assert.equal(a.pc.input.initiator, true, "which this side offers");
  assert.equal(a.view().status, "Connecting to the other person…");
  a.send({ type: "user.hangUp" });
  a.socket.send({ type: "signal.left" });
  await settle();
  assert.equal(a.view().status, "You left the call.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("Camera on mid-call without a camera: captured, added, sent on the same connection", async () => {
  const audioOnly = createFakeCall("a", {
    capture: (wants) => ({
      got: wants.filter((k) => k === "audio"),
      failure: wants.includes("video") ? { reason: "not-found", missing: ["video"] } : null,
    }),
  });
  const b = createFakeCall("b");
  const room = new FakeRoom();
  await toReady(audioOnly);
  audioOnly.send({ type: "user.continue" });
  await toReady(b);
  for (const call of [audioOnly, b]) {
    call.send({ type: "user.join" });
    await settle();
    room.join(call);
    await settle();
  }
  await room.pump();
  audioOnly.pc.link("connected");
  await settle();
  assert.equal(audioOnly.view().hasVideo, false);
  assert.equal(audioOnly.view().canAddVideo, true);

  // Still no camera: said, and the call goes on.
  audioOnly.send({ type: "user.toggleCamera" });
  await settle();
  assert.equal(audioOnly.view().notice, "No camera was found. Plug one in, then try again.");
  assert.equal(audioOnly.view().connected, true);

  // Plugged in: pressing again captures it and sends it on the same peer connection.
  audioOnly.capture = (wants) => ({ got: wants, failure: null });
  const pc = audioOnly.pc;
  const offers = room.relayed.length;
  audioOnly.send({ type: "user.toggleCamera" });
  await settle();
  await room.pump();
  assert.equal(audioOnly.pc, pc, "no new peer connection");
  assert.deepEqual(pc.sent.map((t) => t.kind), ["audio", "video"]);
  assert.ok(room.relayed.length > offers, "renegotiated");
  assert.equal(audioOnly.view().hasVideo, true);
  assert.equal(audioOnly.view().cameraOn, true);
  assert.equal(audioOnly.view().notice, null);
  audioOnly.actor.stop();
  b.actor.stop();
});

Deno.test("Camera on while waiting alone: the next peer connection sends it", async () => {
  const a = createFakeCall("a", {
    capture: (wants) => ({
      got: wants.filter((k) => k === "audio"),
      failure: wants.includes("video") ? { reason: "in-use", missing: ["video"] } : null,
    }),
  });
  const b = createFakeCall("b");
  const room = new FakeRoom();
  await toReady(a);
  a.send({ type: "user.continue" });
  a.send({ type: "user.join" });
  await settle();
  room.join(a);
  a.capture = (wants) => ({ got: wants, failure: null });
  a.send({ type: "user.toggleCamera" });
  await settle();
  assert.equal(a.view().hasVideo, true);
  await toReady(b);
  b.send({ type: "user.join" });
  await settle();
  room.join(b);
  await settle();
  assert.deepEqual(a.pc.input.stream?.getTracks().map((t) => t.kind), ["audio", "video"]);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("Unmute mid-call without a microphone: only the microphone is captured", async () => {
  const a = createFakeCall("a", {
    capture: (wants) => ({
      got: wants.filter((k) => k === "video"),
      failure: wants.includes("audio") ? { reason: "denied", missing: ["audio"] } : null,
    }),
  });
  await toReady(a);
  a.send({ type: "user.continue" });
  a.send({ type: "user.join" });
  await settle();
  a.socket.send({ type: "signal.joined", joined: joinedAck() });
  a.capture = (wants) => ({ got: wants, failure: null });
  a.send({ type: "user.toggleMic" });
  assert.equal(a.view().notice, "Starting your microphone…");
  await settle();
  assert.deepEqual(a.stream!.tracks.map((t) => t.kind), ["video", "audio"]);
  assert.equal(a.view().micOn, true);
  a.actor.stop();
});

Deno.test("a full room is said before the camera is asked for; a seat coming free goes on", async () => {
  const call = createFakeCall("c", { roomMembers: 2 });
  call.send({ type: "user.start" });
  await settle();
  const view = call.view();
  assert.equal(view.status, "This room is full.");
  assert.deepEqual(view.alert!.actions.map((a) => a.label), ["Try again", "Start a new call"]);
  assert.equal(call.media[0].stream, null, "no camera was asked for");
  call.roomMembers = 1;
  call.send({ type: "user.retry" });
  await settle();
  assert.equal(call.view().canJoin, true, "Try again asked the room anew: there is a seat");
  assert.notEqual(call.stream, null);
  call.actor.stop();
});

Deno.test("a server that does not say who is in the room holds the camera up for 1 s at most", async () => {
  const call = createFakeCall("a", { roomMembers: null });
  call.send({ type: "user.start" });
  await call.advance(999);
  assert.equal(call.media[0].stream, null);
  await call.advance(1);
  assert.equal(call.view().canJoin, true);
  call.actor.stop();
});

Deno.test("the room's status coming after the camera (a slow server): full is said, no Join offered", async () => {
  const call = createFakeCall("d", { roomMembers: null });
  call.send({ type: "user.start" });
  await call.advance(1000);
  assert.equal(call.view().canJoin, true);
  call.roomMembers = 3;
  call.send({
    type: "lobby.status",
    members: 3,
    capacity: 3,
    yours: false,
    relay: false,
    iceServers: [],
  });
  await settle();
  const view = call.view();
  assert.equal(view.canJoin, false);
  assert.equal(view.alert?.title, "This room is full");
  assert.equal(view.alert?.text, "All 3 places in this call are taken.");
  call.actor.stop();
});

Deno.test("a browser that cannot make calls is told so before anything starts: no camera, no server, no Join", async () => {
  const call = createFakeCall("a");
  call.send({ type: "user.start", unsupported: "webrtc" });
  await settle();
  assert.equal(call.media.length, 0, "the camera is never asked for");
  assert.equal(call.signaling.length, 0, "no seat is taken: the other person hears nothing");
  assert.equal(call.warmed.length, 0, "no peer connection is made");
  const view = call.view();
  assert.equal(view.screen, "message");
  assert.equal(view.canJoin, false);
  assert.equal(view.alert?.title, "This browser can't make video calls");
  assert.match(view.alert!.text, /Chrome, Firefox, Safari or Edge/);
  call.send({ type: "user.join" });
  await settle();
  assert.equal(call.signaling.length, 0, "Join does nothing");
  call.actor.stop();
});
