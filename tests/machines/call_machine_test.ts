import type { Joined } from "../../protocol/signaling.ts";
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

/** The join acknowledgement of a rejoin that took its held seat back. */
function rejoined(role: "polite" | "impolite", peer: { session: string } | null): Joined {
  return {
    role,
    peer,
    iceServers: [],
    resume: "r",
    seat: "resumed",
    seatGraceMs: 30000,
    iceTransportPolicy: "all",
  };
}

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
    joined: rejoined("impolite", { session }),
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
    joined: rejoined("impolite", { session: "gone-1" }),
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
    joined: rejoined("polite", null),
  });
  assert.ok(a.matches({ session: { active: { server: "online" } } }));
  assert.equal(a.actor.getSnapshot().context.polite, true, "takes the role the server gives now");
  assert.equal(a.pc, pc);
  assert.equal(pc.closed, false);
  a.actor.stop();
  b.actor.stop();
});

// --- Recovery: offers lost on the way, the device's network, tracks added mid-call ---------------

const OFFERING = { session: { active: { room: { call: { negotiation: "offering" } } } } } as const;
const STABLE = { session: { active: { room: { call: { negotiation: "stable" } } } } } as const;
const RECOVERING = { session: { active: { room: { call: { link: "recovering" } } } } } as const;
const UNSTABLE = { session: { active: { room: { call: { link: "unstable" } } } } } as const;

function count(call: FakeCall, command: string): number {
  return call.pc.commands.filter((c) => c === command).length;
}

Deno.test("our signaling back while an offer awaits its answer: the offer is taken back and made again", async () => {
  const { a, b, room } = await connectedPair();
  a.socket.send({ type: "signal.lost" });
  a.pc.send({ type: "pc.negotiationNeeded" });
  assert.ok(a.matches(OFFERING));
  assert.equal(a.pc.signalingState, "have-local-offer");
  const offers = count(a, "offer");
  // The offer went nowhere (signaling was down); the server is back.
  a.socket.commands.length = 0;
  a.socket.send({
    type: "signal.restored",
    joined: rejoined("impolite", { session: "b-session-1" }),
  });
  assert.equal(a.pc.rollbacks, 1, "the lost offer is rolled back at once, no answer timeout");
  assert.equal(count(a, "offer"), offers + 1, "and a new one made");
  assert.ok(a.matches(OFFERING));
  await room.pump();
  assert.ok(a.matches(STABLE) && b.matches(STABLE));
  assert.ok(a.matches(CONNECTED), "the media never stopped");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other side back on the server while our offer awaited its answer: offer again", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", reason: "lost" });
  a.pc.send({ type: "pc.negotiationNeeded" });
  assert.equal(a.pc.signalingState, "have-local-offer");
  const session = a.actor.getSnapshot().context.peerSession!;
  a.socket.send({ type: "peer.joined", peer: { session } });
  assert.equal(a.pc.rollbacks, 1);
  assert.equal(count(a, "offer"), 2);
  assert.equal(a.actor.getSnapshot().context.peerAbsence, null);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the device goes offline: the link counts as interrupted at once, and restarts after the grace", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "network.offline" });
  assert.ok(a.matches(UNSTABLE), "no waiting for ICE to notice");
  await wait(FAST.disconnectGrace + 20);
  assert.ok(a.matches(RECOVERING));
  assert.equal(count(a, "restartIce"), 1);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the device's network is back: an ICE restart at once, from any link state", async () => {
  for (const before of ["connected", "unstable", "recovering"] as const) {
    const { a, b } = await connectedPair();
    if (before === "unstable") a.pc.link("disconnected");
    if (before === "recovering") a.pc.link("failed");
    const restarts = count(a, "restartIce");
    a.pc.send({ type: "network.online" });
    assert.ok(a.matches(RECOVERING), `from ${before}`);
    assert.equal(count(a, "restartIce"), restarts + 1, `a restart at once from ${before}`);
    a.pc.link("connected");
    assert.ok(a.matches(CONNECTED));
    assert.equal(a.actor.getSnapshot().context.iceRestarts, 0);
    a.actor.stop();
    b.actor.stop();
  }
});

/**
 * A fake capture where the camera is refused until `allow.camera` is set, as when a person blocked
 * it and later allows it in the address bar. The microphone is always there.
 */
function cameraPermission(allow: { camera: boolean }) {
  return (wants: Record<"audio" | "video", boolean>) => {
    const got = (["audio", "video"] as const).filter((kind) =>
      wants[kind] && (kind === "audio" || allow.camera)
    );
    const refused = wants.video && !allow.camera;
    return {
      stream: got.length > 0 ? new FakeStream(got) : null,
      failure: refused ? { reason: "denied" as const, missing: ["video" as const] } : null,
    };
  };
}

/** `a` (joined with the microphone only) and `b`, in a call. */
async function pairWithoutCamera(allow: { camera: boolean }) {
  const a = createFakeCall("a", { delays: FAST, capture: cameraPermission(allow) });
  const b = createFakeCall("b", { delays: FAST });
  const room = new FakeRoom();
  await toReady(a);
  assert.ok(a.matches("mediaBlocked"));
  a.send({ type: "user.continue" });
  await toReady(b);
  for (const call of [b, a]) {
    call.send({ type: "user.join" });
    room.join(call);
    await settle();
  }
  await room.pump();
  a.pc.link("connected");
  b.pc.link("connected");
  assert.ok(a.matches(CONNECTED) && b.matches(CONNECTED));
  return { a, b, room };
}

Deno.test("Camera on mid-call without a camera track: captured, sent on the same connection, renegotiated", async () => {
  const allow = { camera: false };
  const { a, b, room } = await pairWithoutCamera(allow);
  const pc = a.pc;
  const stream = a.actor.getSnapshot().context.stream as FakeStream;
  assert.deepEqual(stream.tracks.map((t) => t.kind), ["audio"]);
  room.relayed.length = 0;

  // Now allowed (say, in the address bar), and the person presses Camera on.
  allow.camera = true;
  const captures = a.streams.length;
  a.send({ type: "user.toggleCamera" });
  assert.ok(a.matches({ session: { active: { media: "adding" } } }));
  await settle();
  assert.equal(a.streams.length, captures + 1, "the camera alone was captured");
  assert.deepEqual(a.streams.at(-1)!.tracks.map((t) => t.kind), ["video"]);
  const { context } = a.actor.getSnapshot();
  assert.equal(context.stream, stream, "added to the stream the call sends");
  assert.deepEqual(stream.tracks.map((t) => t.kind), ["audio", "video"]);
  assert.equal(context.cameraOn, true);
  assert.equal(context.mediaFailure, null);
  assert.ok(a.matches({ session: { active: { media: "steady" } } }));
  assert.equal(a.pc, pc, "the same peer connection: what flows goes on flowing");
  assert.ok(pc.sent.some((t) => t.kind === "video"), "the connection sends the camera");

  await room.pump();
  assert.deepEqual(
    room.relayed.filter((r) => "description" in r.message).map((r) =>
      `${r.from}:${"description" in r.message && r.message.description.type}`
    ),
    ["a:offer", "b:answer"],
    "one renegotiation",
  );
  assert.ok(a.matches(STABLE) && b.matches(STABLE));
  assert.ok(a.matches(CONNECTED) && b.matches(CONNECTED));
  assert.equal(b.pc, b.peers[0], "the other side kept its connection too");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("Camera on mid-call when the camera is still refused: said, and pressing again retries", async () => {
  const allow = { camera: false };
  const { a, b } = await pairWithoutCamera(allow);
  const pc = a.pc;
  a.send({ type: "user.toggleCamera" });
  await settle();
  assert.ok(a.matches({ session: { active: { media: "refused" } } }));
  assert.deepEqual(a.actor.getSnapshot().context.mediaFailure, {
    reason: "denied",
    missing: ["video"],
  });
  assert.ok(a.matches(CONNECTED), "the call goes on");
  assert.deepEqual(pc.commands.filter((c) => c === "addTracks"), []);

  allow.camera = true;
  a.send({ type: "user.toggleCamera" });
  await settle();
  assert.ok(a.matches({ session: { active: { media: "steady" } } }));
  assert.deepEqual(pc.commands.filter((c) => c === "addTracks"), ["addTracks"]);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("Camera on while waiting alone: the next connection sends it", async () => {
  const allow = { camera: false };
  const a = createFakeCall("a", { delays: FAST, capture: cameraPermission(allow) });
  await toReady(a);
  a.send({ type: "user.continue" });
  a.send({ type: "user.join" });
  new FakeRoom().join(a);
  assert.ok(a.matches(WAITING));
  allow.camera = true;
  a.send({ type: "user.toggleCamera" });
  await settle();
  assert.ok(a.matches(WAITING));
  a.socket.send({ type: "peer.joined", peer: { session: "b-session-1" } });
  assert.deepEqual(a.pc.sent.map((t) => t.kind), ["audio", "video"]);
  a.actor.stop();
});

Deno.test("Mute and Camera off still just switch tracks that exist", async () => {
  const { a, b } = await connectedPair();
  const captures = a.streams.length;
  a.send({ type: "user.toggleCamera" });
  await settle();
  assert.equal(a.streams.length, captures, "nothing captured");
  assert.ok(a.matches({ session: { active: { media: "steady" } } }));
  const video = a.streams[0].tracks.find((t) => t.kind === "video")!;
  assert.equal(video.enabled, false);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("restarts tried while off the server or offline do not use up the budget", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost" });
  a.pc.link("failed");
  // FAST makes each restart wait 30 ms: the third starts after 60 ms, the call fails at 90.
  while (a.actor.getSnapshot().context.iceRestarts < MAX_ICE_RESTARTS) await wait(5);
  assert.ok(a.matches(RECOVERING), "all three tried without signaling");
  a.socket.send({
    type: "signal.restored",
    joined: rejoined("impolite", { session: "b-session-1" }),
  });
  assert.equal(a.actor.getSnapshot().context.iceRestarts, 1, "a fresh budget once it is back");
  a.pc.send({ type: "network.online" });
  assert.equal(a.actor.getSnapshot().context.iceRestarts, 1);
  assert.ok(a.matches(RECOVERING));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("off the server with every restart tried: no failure, restarts go on until it is back", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost" });
  a.pc.link("failed");
  // FAST: restarts every 30 ms; without the server the third would end the call at 90 ms.
  await wait(200);
  assert.ok(a.matches(RECOVERING), "still recovering, not failed");
  assert.ok(count(a, "restartIce") > MAX_ICE_RESTARTS, "and still restarting");
  a.socket.send({
    type: "signal.restored",
    joined: rejoined("impolite", { session: "b-session-1" }),
  });
  a.pc.link("connected");
  assert.ok(a.matches(CONNECTED));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("Unmute mid-call without a microphone track: the microphone alone is captured and sent", async () => {
  const a = createFakeCall("a", {
    delays: FAST,
    capture: (wants) =>
      wants.video
        ? { stream: null, failure: { reason: "denied", missing: ["audio", "video"] } }
        : { stream: new FakeStream(["audio"]), failure: null },
  });
  await toReady(a);
  a.send({ type: "user.continue" });
  a.send({ type: "user.join" });
  new FakeRoom().join(a);
  a.socket.send({ type: "peer.joined", peer: { session: "b-session-1" } });
  assert.equal(a.actor.getSnapshot().context.stream, null, "receive-only");
  a.send({ type: "user.toggleMic" });
  await settle();
  const { stream, micOn } = a.actor.getSnapshot().context;
  assert.deepEqual(stream?.getTracks().map((t) => t.kind), ["audio"]);
  assert.equal(micOn, true);
  assert.ok(a.pc.commands.includes("addTracks"));
  assert.deepEqual(a.pc.sent.map((t) => t.kind), ["audio"]);
  a.actor.stop();
});

Deno.test("back after our seat expired: a new peer connection, this side offering", async () => {
  const { a, b } = await connectedPair();
  const old = a.pc;
  a.socket.send({ type: "signal.lost" });
  const joined = {
    role: "polite" as const,
    peer: { session: "b-session-1" },
    iceServers: [],
    resume: "new",
    seat: "new" as const,
    seatGraceMs: 30000,
    iceTransportPolicy: "all" as const,
  };
  a.socket.send({ type: "signal.restored", joined });
  assert.equal(old.closed, false, "a server restart alone keeps the call");
  a.socket.send({ type: "signal.seatLost", peer: joined.peer });
  assert.equal(old.closed, true, "the other side dropped that connection: so do we");
  assert.notEqual(a.pc, old);
  assert.equal(a.pc.input.initiator, true, "we make the offer for the new connection");
  await settle();
  assert.ok(a.matches({ session: { active: { room: { call: { negotiation: "offering" } } } } }));
  a.actor.stop();
  b.actor.stop();
});

Deno.test("back after our seat expired and the other person is gone too: wait", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost" });
  a.socket.send({ type: "signal.seatLost", peer: null });
  assert.ok(a.matches(WAITING));
  assert.equal(a.peers[0].closed, true);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a first connection that stalls gets one ICE restart, then may still connect", async () => {
  const a = createFakeCall("a", { delays: { ...FAST, connectStall: 40, connectTimeout: 400 } });
  await toReady(a);
  a.send({ type: "user.join" });
  new FakeRoom().join(a);
  a.socket.send({ type: "peer.joined", peer: { session: "x-session-1" } });
  await wait(120);
  assert.equal(a.pc.commands.filter((c) => c === "restartIce").length, 1);
  assert.ok(a.matches({ session: { active: { room: { call: { link: "connecting" } } } } }));
  a.pc.link("connected");
  assert.ok(a.matches(CONNECTED));
  a.actor.stop();
});
