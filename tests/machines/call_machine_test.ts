import assert from "node:assert/strict";
import { MAX_ICE_RESTARTS } from "../../machines/call_machine.ts";
import {
  createFakeCall,
  type FakeCall,
  FakeRoom,
  FakeStream,
  settle,
  toReady,
} from "../helpers/fake_call.ts";

const FAST = { disconnectGrace: 20, restartWait: 30, connectTimeout: 200, leaveTimeout: 30 };

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Two machines in one fake room, both connected. */
async function connectedPair(): Promise<{ a: FakeCall; b: FakeCall; room: FakeRoom }> {
  const a = createFakeCall("a", { delays: FAST });
  const b = createFakeCall("b", { delays: FAST });
  const room = new FakeRoom();
  for (const call of [a, b]) {
    await toReady(call);
    call.send({ type: "user.join" });
    room.join(call);
    await settle();
  }
  await room.pump();
  a.pc.link("connected");
  b.pc.link("connected");
  return { a, b, room };
}

const CONNECTED = { session: { active: { room: { call: { link: "connected" } } } } } as const;
const WAITING = { session: { active: { room: "waiting" } } } as const;

Deno.test("capturing media leads to the pre-join screen with the stream", async () => {
  const call = createFakeCall("a");
  assert.ok(call.matches("idle"));
  await toReady(call);
  assert.ok(call.matches("ready"));
  const stream = call.actor.getSnapshot().context.stream as FakeStream;
  assert.deepEqual(stream.getTracks().map((t) => t.kind), ["audio", "video"]);
  call.actor.stop();
});

Deno.test("mute and camera off switch the local tracks off and on again", async () => {
  const call = createFakeCall("a");
  await toReady(call);
  const [audio, video] = call.streams[0].tracks;
  call.send({ type: "user.toggleMic" });
  assert.equal(audio.enabled, false);
  assert.equal(video.enabled, true);
  call.send({ type: "user.toggleCamera" });
  assert.equal(video.enabled, false);
  call.send({ type: "user.toggleMic" });
  call.send({ type: "user.toggleCamera" });
  assert.equal(audio.enabled, true);
  assert.equal(video.enabled, true);
  call.actor.stop();
});

Deno.test("camera and microphone refused: blocked, then join receive-only", async () => {
  const call = createFakeCall("a", {
    capture: { stream: null, failure: { reason: "denied", missing: ["audio", "video"] } },
  });
  await toReady(call);
  assert.ok(call.matches("mediaBlocked"));
  const { mediaFailure } = call.actor.getSnapshot().context;
  assert.deepEqual(mediaFailure, { reason: "denied", missing: ["audio", "video"] });
  call.send({ type: "user.continue" });
  assert.ok(call.matches("ready"));
  assert.equal(call.actor.getSnapshot().context.stream, null);
  call.actor.stop();
});

Deno.test("camera missing: go on with the microphone, or retry and stop what was captured", async () => {
  const partial = new FakeStream(["audio"]);
  const call = createFakeCall("a", {
    capture: { stream: partial, failure: { reason: "not-found", missing: ["video"] } },
  });
  await toReady(call);
  assert.ok(call.matches("mediaBlocked"));
  assert.equal(call.actor.getSnapshot().context.stream, partial);
  call.send({ type: "user.retry" });
  assert.ok(call.matches("capturing"));
  assert.equal(partial.tracks[0].stopped, true, "the partial stream is released before retrying");
  await settle();
  call.send({ type: "user.continue" });
  assert.ok(call.matches("ready"));
  call.actor.stop();
});

Deno.test("a failing capture actor counts as everything missing", async () => {
  const call = createFakeCall("a", {
    capture: () => {
      throw new Error("boom");
    },
  });
  await toReady(call);
  assert.ok(call.matches("mediaBlocked"));
  assert.deepEqual(call.actor.getSnapshot().context.mediaFailure?.missing, ["audio", "video"]);
  call.actor.stop();
});

Deno.test("joining an empty room waits; the newcomer offers and the one waiting answers", async () => {
  const a = createFakeCall("a", { delays: FAST });
  const b = createFakeCall("b", { delays: FAST });
  const room = new FakeRoom();
  await toReady(a);
  a.send({ type: "user.join" });
  assert.ok(a.matches({ session: { active: { room: "joining" } } }));
  room.join(a);
  assert.ok(a.matches(WAITING));
  assert.equal(a.actor.getSnapshot().context.polite, false);

  await toReady(b);
  b.send({ type: "user.join" });
  room.join(b);
  assert.equal(b.actor.getSnapshot().context.polite, true);
  assert.ok(a.matches({ session: { active: { room: "call" } } }));
  await settle();
  assert.ok(b.matches({ session: { active: { room: { call: { negotiation: "offering" } } } } }));
  assert.equal(b.pc.input.initiator, true);
  assert.equal(a.pc.input.initiator, false);

  await room.pump();
  assert.deepEqual(
    room.relayed.map((r) =>
      `${r.from}:${"description" in r.message && r.message.description.type}`
    ),
    ["b:offer", "a:answer"],
  );
  for (const call of [a, b]) {
    assert.ok(call.matches({ session: { active: { room: { call: { negotiation: "stable" } } } } }));
    assert.ok(call.pc.remoteDescription, `${call.name} has the other's description`);
    assert.ok(call.matches({ session: { active: { room: { call: { link: "connecting" } } } } }));
  }
  a.pc.link("connected");
  b.pc.link("connected");
  assert.ok(a.matches(CONNECTED) && b.matches(CONNECTED));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("glare: both offer at once, the polite side rolls back and both end stable", async () => {
  const { a, b, room } = await connectedPair();
  room.relayed.length = 0;
  // Both sides decide to renegotiate in the same instant.
  a.pc.send({ type: "pc.negotiationNeeded" });
  b.pc.send({ type: "pc.negotiationNeeded" });
  await settle();
  assert.equal(a.pc.signalingState, "have-local-offer");
  assert.equal(b.pc.signalingState, "have-local-offer");
  await room.pump();
  const polite = a.actor.getSnapshot().context.polite ? a : b;
  const impolite = polite === a ? b : a;
  assert.equal(polite.pc.rollbacks, 1, "the polite side rolled its offer back");
  assert.equal(impolite.pc.rollbacks, 0, "the impolite side kept its offer");
  for (const call of [a, b]) {
    assert.equal(call.pc.signalingState, "stable", `${call.name} ends stable`);
    assert.ok(call.matches({ session: { active: { room: { call: { negotiation: "stable" } } } } }));
    assert.ok(call.matches(CONNECTED), "the call stays connected through renegotiation");
  }
  const types = room.relayed.map((r) =>
    `${r.from}:${"description" in r.message && r.message.description.type}`
  );
  assert.deepEqual(types.sort(), ["a:offer", "b:offer", `${polite.name}:answer`].sort());
  a.actor.stop();
  b.actor.stop();
});

Deno.test("candidates that arrive before the description wait and are applied after it", async () => {
  const a = createFakeCall("a", { delays: FAST });
  const room = new FakeRoom();
  await toReady(a);
  a.send({ type: "user.join" });
  room.join(a);
  a.socket.send({ type: "peer.joined", peer: { session: "other-1" } });
  const candidate = {
    candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
    sdpMid: "0",
    sdpMLineIndex: 0,
    usernameFragment: null,
  };
  a.socket.send({ type: "signal.message", message: { candidate } });
  assert.deepEqual(a.pc.candidates, [], "not applied without a remote description");
  a.socket.send({
    type: "signal.message",
    message: { description: { type: "offer", sdp: "offer other 1" } },
  });
  await settle();
  assert.deepEqual(a.pc.candidates, [candidate.candidate]);
  // Our own candidates go to the other side.
  a.pc.send({ type: "pc.candidate", candidate: { ...candidate, candidate: "candidate:2" } });
  assert.deepEqual(a.socket.commands.at(-1), {
    type: "send",
    message: { candidate: { ...candidate, candidate: "candidate:2" } },
  });
  a.actor.stop();
});

Deno.test("a full room says so and Retry tries again with a new connection", async () => {
  const call = createFakeCall("c");
  await toReady(call);
  call.send({ type: "user.join" });
  call.socket.send({
    type: "signal.rejected",
    error: { code: "room-full", message: "This room is full." },
  });
  assert.ok(call.matches("roomFull"));
  assert.deepEqual(call.actor.getSnapshot().context.failure, { kind: "room-full" });
  assert.equal(call.signaling[0].stopped, true, "the rejected connection is closed");
  call.send({ type: "user.retry" });
  assert.ok(call.matches({ session: { active: { room: "joining" } } }));
  assert.equal(call.signaling.length, 2);
  call.actor.stop();
});

Deno.test("other rejections keep the server's words", async () => {
  const call = createFakeCall("c");
  await toReady(call);
  call.send({ type: "user.join" });
  call.socket.send({
    type: "signal.rejected",
    error: { code: "invalid-room", message: "That is not a Parley room id." },
  });
  assert.ok(call.matches("rejected"));
  const failure = call.actor.getSnapshot().context.failure;
  assert.equal(
    failure?.kind === "rejected" && failure.error.message,
    "That is not a Parley room id.",
  );
  call.actor.stop();
});

Deno.test("an unreachable server ends in unreachable, with Retry", async () => {
  const call = createFakeCall("a");
  await toReady(call);
  call.send({ type: "user.join" });
  call.socket.send({ type: "signal.unreachable" });
  assert.ok(call.matches("unreachable"));
  call.send({ type: "user.retry" });
  assert.ok(call.matches("session"));
  call.actor.stop();
});

Deno.test("hanging up tells the server, stops media and closes everything", async () => {
  const { a, b } = await connectedPair();
  const pc = a.pc;
  a.send({ type: "user.hangUp" });
  assert.ok(a.matches({ session: "leaving" }));
  assert.deepEqual(a.socket.commands.at(-1), { type: "leave" });
  assert.equal(pc.closed, true, "the peer connection closes at once");
  a.socket.send({ type: "signal.left" });
  assert.ok(a.matches("ended"));
  assert.ok(a.streams[0].tracks.every((t) => t.stopped), "camera and microphone are released");
  assert.equal(a.socket.stopped, true);
  assert.equal(a.actor.getSnapshot().context.stream, null);

  // The other side hears about it and waits.
  b.socket.send({ type: "peer.left", reason: "hang-up" });
  assert.ok(b.matches(WAITING));
  assert.equal(b.actor.getSnapshot().context.peerAbsence, "hang-up");
  assert.equal(b.actor.getSnapshot().context.remoteStream, null);
  assert.equal(b.pc.closed, true);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("hanging up ends the call even when the server never confirms", async () => {
  const { a, b } = await connectedPair();
  a.send({ type: "user.hangUp" });
  await wait(FAST.leaveTimeout + 30);
  assert.ok(a.matches("ended"));
  a.send({ type: "user.retry" });
  assert.ok(a.matches("capturing"), "Rejoin starts the camera again");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other person's page closed: wait for them in the room at once", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", reason: "closed" });
  assert.ok(a.matches(WAITING));
  assert.equal(a.actor.getSnapshot().context.peerAbsence, "closed");
  assert.equal(a.peers[0].closed, true, "their peer connection is gone, so is ours");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other person's connection lost: the call goes on while media flows", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", reason: "lost" });
  assert.ok(a.matches(CONNECTED));
  assert.equal(a.actor.getSnapshot().context.peerAbsence, "away");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("connection lost and media gone: restarts run out, then wait in the room, not fail", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", reason: "lost" });
  a.pc.link("failed");
  await wait(30 + 60 + 120 + 100);
  assert.ok(a.matches(WAITING));
  assert.equal(a.actor.getSnapshot().context.failure, null);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other side back on the server while recovering: restart again at once", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", reason: "lost" });
  a.pc.link("failed");
  const restarts = () => a.pc.commands.filter((c) => c === "restartIce").length;
  assert.equal(restarts(), 1);
  const session = a.actor.getSnapshot().context.peerSession!;
  a.socket.send({ type: "peer.joined", peer: { session } });
  assert.equal(restarts(), 2);
  assert.equal(a.actor.getSnapshot().context.peerAbsence, null);
  a.socket.send({ type: "signal.lost" });
  a.socket.send({
    type: "signal.restored",
    joined: { role: "impolite", peer: { session }, iceServers: [], resume: "r" },
  });
  assert.equal(restarts(), 3, "our own signaling back: restart again too");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("an offer whose answer never comes is rolled back, so negotiation can go on", async () => {
  const a = createFakeCall("a", { delays: { ...FAST, answerTimeout: 40 } });
  await toReady(a);
  a.send({ type: "user.join" });
  a.socket.send({
    type: "signal.joined",
    joined: { role: "impolite", peer: { session: "gone-1" }, iceServers: [], resume: "r" },
  });
  await settle();
  assert.ok(a.matches({ session: { active: { room: { call: { negotiation: "offering" } } } } }));
  assert.equal(a.pc.signalingState, "have-local-offer");
  await wait(80);
  assert.ok(a.matches({ session: { active: { room: { call: { negotiation: "stable" } } } } }));
  assert.equal(a.pc.signalingState, "stable");
  assert.equal(a.pc.rollbacks, 1);
  a.pc.send({ type: "pc.negotiationNeeded" });
  assert.ok(a.matches({ session: { active: { room: { call: { negotiation: "offering" } } } } }));
  a.actor.stop();
});

Deno.test("the same session rejoining keeps the call; a new session starts a new connection", async () => {
  const { a, b } = await connectedPair();
  const first = a.pc;
  const session = a.actor.getSnapshot().context.peerSession!;
  a.socket.send({ type: "peer.joined", peer: { session } });
  assert.equal(a.pc, first, "a signaling blip does not touch the media");
  assert.ok(a.matches(CONNECTED));
  a.socket.send({ type: "peer.joined", peer: { session: "b-reloaded-1" } });
  assert.notEqual(a.pc, first);
  assert.equal(first.closed, true);
  assert.equal(a.pc.input.initiator, false, "the reloaded side offers");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE disconnected: a grace period, then an ICE restart, then connected again", async () => {
  const { a, b } = await connectedPair();
  a.pc.link("disconnected");
  assert.ok(a.matches({ session: { active: { room: { call: { link: "unstable" } } } } }));
  await wait(FAST.disconnectGrace + 20);
  assert.ok(a.matches({ session: { active: { room: { call: { link: "recovering" } } } } }));
  assert.ok(a.pc.commands.includes("restartIce"));
  assert.equal(a.actor.getSnapshot().context.iceRestarts, 1);
  a.pc.link("connected");
  assert.ok(a.matches(CONNECTED));
  assert.equal(a.actor.getSnapshot().context.iceRestarts, 0);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE disconnected that recovers by itself needs no restart", async () => {
  const { a, b } = await connectedPair();
  a.pc.link("disconnected");
  a.pc.link("connected");
  await wait(FAST.disconnectGrace + 20);
  assert.ok(a.matches(CONNECTED));
  assert.ok(!a.pc.commands.includes("restartIce"));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE failed restarts at once; when every restart fails the call fails with Retry", async () => {
  const { a, b } = await connectedPair();
  a.pc.link("failed");
  assert.ok(a.matches({ session: { active: { room: { call: { link: "recovering" } } } } }));
  // restartWait doubles per attempt: 30, 60, 120 ms.
  await wait(30 + 60 + 120 + 100);
  assert.equal(a.pc.commands.filter((c) => c === "restartIce").length, MAX_ICE_RESTARTS);
  assert.ok(a.matches("failed"));
  assert.equal(a.actor.getSnapshot().context.failure?.kind, "connection-failed");
  assert.equal(a.pc.closed, true);
  a.send({ type: "user.retry" });
  assert.ok(a.matches({ session: { active: { room: "joining" } } }));
  assert.equal(a.signaling.length, 2, "Retry joins again");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a connection that never connects fails after the connect timeout", async () => {
  const a = createFakeCall("a", { delays: FAST });
  await toReady(a);
  a.send({ type: "user.join" });
  new FakeRoom().join(a);
  a.socket.send({ type: "peer.joined", peer: { session: "x-session-1" } });
  await wait(FAST.connectTimeout + 50);
  assert.ok(a.matches("failed"));
  a.actor.stop();
});

Deno.test("a peer connection error fails the call; hang up from there ends it", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "pc.error", message: "setRemoteDescription failed" });
  assert.ok(a.matches("failed"));
  a.send({ type: "user.hangUp" });
  assert.ok(a.matches("ended"));
  assert.ok(a.streams[0].tracks.every((t) => t.stopped));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("server lost: the call goes on and the session is restored without a new connection", async () => {
  const { a, b } = await connectedPair();
  const pc = a.pc;
  a.socket.send({ type: "signal.lost" });
  assert.ok(a.matches({ session: { active: { server: "reconnecting" } } }));
  assert.ok(a.matches(CONNECTED), "media keeps flowing peer to peer");
  a.socket.send({
    type: "signal.restored",
    joined: { role: "polite", peer: null, iceServers: [], resume: "r" },
  });
  assert.ok(a.matches({ session: { active: { server: "online" } } }));
  assert.equal(a.actor.getSnapshot().context.polite, true, "takes the role the server gives now");
  assert.equal(a.pc, pc);
  assert.equal(pc.closed, false);
  a.actor.stop();
  b.actor.stop();
});
