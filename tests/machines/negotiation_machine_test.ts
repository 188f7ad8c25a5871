/**
 * One peer connection's negotiation and recovery (machines/negotiation_machine.ts), run inside
 * the call on fake effects and simulated time: perfect negotiation with glare and early
 * candidates, and ICE restarts at the waits they have in production.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MAX_ICE_RESTARTS } from "../../machines/negotiation_machine.ts";
import {
  connectedPair,
  createFakeCall,
  type FakeCall,
  FakeRoom,
  joinedAck,
  negotiatedPair,
  peerInfo,
  settle,
  toReady,
} from "../helpers/fake_call.ts";

const INTERRUPTED = "The connection was interrupted. Reconnecting…";

/** How many ICE restarts `call`'s peer connection was asked for. */
function restarts(call: FakeCall): number {
  return call.pc.commands.filter((command) => command === "restartIce").length;
}

Deno.test("glare: both offer at once, the polite side rolls back, both end with each other's description", async () => {
  const a = createFakeCall("a");
  const b = createFakeCall("b");
  const room = new FakeRoom();
  for (const call of [a, b]) {
    await toReady(call);
    call.send({ type: "user.join" });
    await settle();
    room.join(call);
    await settle();
  }
  // a waited, so it does not offer first; make it offer now, crossing b's first offer.
  a.pc.send({ type: "pc.negotiationNeeded" });
  await settle();
  assert.equal(a.pc.signalingState, "have-local-offer");
  assert.equal(b.pc.signalingState, "have-local-offer");
  await room.pump();
  const polite = [a, b].find((call) => call.pc.rollbacks > 0)!;
  assert.ok(polite, "one side rolled its offer back");
  for (const call of [a, b]) {
    assert.equal(call.pc.signalingState, "stable");
    assert.notEqual(call.pc.remoteDescription, null);
  }
  a.actor.stop();
  b.actor.stop();
});

Deno.test("candidates that arrive before the description wait and are applied after it", async () => {
  const fresh = createFakeCall("c");
  await toReady(fresh);
  fresh.send({ type: "user.join" });
  await settle();
  fresh.socket.send({
    type: "signal.joined",
    joined: joinedAck(),
  });
  fresh.socket.send({ type: "peer.joined", peer: peerInfo("x", "polite") });
  await settle();
  const candidate = {
    candidate: "candidate:1",
    sdpMid: "0",
    sdpMLineIndex: 0,
    usernameFragment: null,
  };
  fresh.socket.send({ type: "signal.message", from: "x", message: { candidate } });
  await settle();
  assert.deepEqual(fresh.pc.earlyCandidates, ["candidate:1"]);
  fresh.socket.send({
    type: "signal.message",
    from: "x",
    message: { description: { type: "offer", sdp: "offer x 1" } },
  });
  await settle();
  assert.deepEqual(fresh.pc.candidates, ["candidate:1"]);
  assert.equal(fresh.pc.localDescription?.type, "answer");
  assert.deepEqual(fresh.socket.sent.at(-1), { description: fresh.pc.localDescription });
  fresh.actor.stop();
});

/** The offers `call` made (each description once, however often it was sent), in `room`. */
function offersMade(call: FakeCall, room: FakeRoom): Set<string> {
  const messages = [
    ...room.relayed.filter((r) => r.from === call.name).map((r) => r.message),
    ...call.socket.sent,
  ];
  return new Set(
    messages.flatMap((m) =>
      "description" in m && m.description.type === "offer" ? [m.description.sdp] : []
    ),
  );
}

Deno.test("an offer whose answer never comes is sent again every 5 s, never taken back", async () => {
  const { a, b, room } = await connectedPair();
  a.pc.send({ type: "pc.negotiationNeeded" });
  await settle();
  assert.equal(a.pc.signalingState, "have-local-offer");
  const sent = () => a.socket.sent.filter((m) => "description" in m).length;
  const before = sent();
  await a.advance(4999);
  assert.equal(sent(), before);
  await a.advance(1);
  assert.equal(sent(), before + 1, "the same offer again");
  await a.advance(5000);
  assert.equal(sent(), before + 2);
  assert.equal(a.pc.rollbacks, 0);
  assert.equal(a.pc.signalingState, "have-local-offer");
  assert.equal(offersMade(a, room).size, 1, "one offer, sent three times");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("every answer comes 6 s late (a slow machine): the first one is taken, no new round", async () => {
  const { a, b, room } = await connectedPair();
  const fromA = (from: string) => from === room.sessionOf(a);
  const fromB = (from: string) => from === room.sessionOf(b);
  a.pc.send({ type: "pc.negotiationNeeded" });
  await settle();
  const offers = offersMade(a, room).size;
  for (let round = 0; round < 4; round++) {
    await room.pump(fromA);
    await a.advance(6000);
    await room.pump(fromB);
  }
  await room.pump();
  assert.equal(offersMade(a, room).size, offers, "no offer made after the first renegotiation's");
  assert.equal(a.pc.rollbacks, 0);
  assert.equal(a.pc.staleAnswers, 0, "never an answer to another offer");
  assert.equal(a.pc.signalingState, "stable");
  assert.equal(b.pc.signalingState, "stable");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other side back on the server while our offer awaited its answer: offer again", async () => {
  const { a, b, room } = await connectedPair();
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "lost" });
  a.pc.send({ type: "pc.negotiationNeeded" });
  await settle();
  const offers = a.socket.sent.filter((m) => "description" in m).length;
  a.socket.send({ type: "peer.joined", peer: peerInfo("b-session-1") });
  await settle();
  assert.equal(a.pc.rollbacks, 1);
  assert.equal(a.socket.sent.filter((m) => "description" in m).length, offers + 1);
  await room.pump();
  assert.equal(a.pc.signalingState, "stable");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE disconnected: 2.5 s of grace, then an ICE restart, then connected again", async () => {
  const { a, b } = await connectedPair();
  a.pc.link("disconnected");
  await settle();
  assert.equal(a.view().status, INTERRUPTED);
  await a.advance(2499);
  assert.equal(restarts(a), 0);
  await a.advance(1);
  assert.equal(restarts(a), 1);
  a.pc.link("connected");
  await settle();
  assert.equal(a.view().status, "Connected.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE disconnected that recovers by itself needs no restart", async () => {
  const { a, b } = await connectedPair();
  a.pc.link("disconnected");
  await a.advance(1000);
  a.pc.link("connected");
  await a.advance(5000);
  assert.equal(restarts(a), 0);
  assert.equal(a.view().status, "Connected.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("ICE failed restarts at once, then after 5, 10 and 20 s; then the call fails with Retry", async () => {
  const { a, b } = await connectedPair();
  assert.equal(MAX_ICE_RESTARTS, 3);
  a.pc.link("failed");
  await settle();
  assert.equal(restarts(a), 1);
  for (const [wait, expected] of [[5000, 2], [10000, 3]] as const) {
    await a.advance(wait - 1);
    assert.equal(restarts(a), expected - 1, `no restart before ${wait} ms`);
    await a.advance(1);
    assert.equal(restarts(a), expected);
  }
  await a.advance(19_999);
  assert.equal(a.view().status, INTERRUPTED);
  await a.advance(1);
  assert.equal(a.view().status, "The connection failed.");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("restarts run out while the other person is off the server: wait for them, not fail", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "lost" });
  a.pc.link("failed");
  await a.advance(5000 + 10000 + 20000);
  assert.equal(
    a.view().status,
    "The other person lost their connection. Waiting for them to come back…",
  );
  assert.equal(a.pc.closed, true);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("off the server with every restart tried: no failure; back on it, restarts start afresh", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost", jitter: 1 });
  a.pc.link("failed");
  await a.advance(5000 + 10000 + 20000);
  assert.equal(a.view().status, INTERRUPTED, "not failed while off the server");
  const before = restarts(a);
  await a.advance(60_000);
  a.socket.send({
    type: "signal.restored",
    joined: joinedAck({ peers: [peerInfo("b-session-1")], seat: "resumed" }),
  });
  await settle();
  assert.equal(restarts(a), before + 1, "a restart as soon as the server is back");
  await a.advance(5000);
  assert.equal(restarts(a), before + 2, "with a fresh budget: the next after 5 s");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other side back on the server while recovering: restart again at once", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "lost" });
  a.pc.link("failed");
  await a.advance(5000);
  const before = restarts(a);
  a.socket.send({ type: "peer.joined", peer: peerInfo("b-session-1") });
  await settle();
  assert.equal(restarts(a), before + 1);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the device goes offline: interrupted at once; its network back: an ICE restart at once", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "network.offline" });
  await settle();
  assert.equal(a.view().status, INTERRUPTED);
  a.pc.link("disconnected");
  await a.advance(60_000);
  assert.equal(restarts(a), 0, "no restart without a network: it could not get through");
  assert.equal(a.view().status, INTERRUPTED, "and no failure either");
  a.pc.send({ type: "network.online" });
  await settle();
  assert.equal(restarts(a), 1);
  a.pc.link("connected");
  await settle();
  a.pc.send({ type: "network.online" });
  await settle();
  assert.equal(restarts(a), 2, "from connected too: the old path may be gone");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("network back but not yet the server: one restart, when the server is back", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "network.offline" });
  a.socket.send({ type: "signal.lost", jitter: 1 });
  await a.advance(10_000);
  a.pc.send({ type: "network.online" });
  await settle();
  assert.equal(restarts(a), 0, "its offer would wait for the server, then be made again");
  a.socket.send({
    type: "signal.restored",
    joined: joinedAck({ peers: [peerInfo("b-session-1")], seat: "resumed" }),
  });
  await settle();
  assert.equal(restarts(a), 1, "one restart, as soon as the server is back");
  await a.advance(4999);
  assert.equal(restarts(a), 1);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the browser says offline but the server answers (two tabs, one machine, no Wi-Fi): one restart, then connected", async () => {
  const { a, b } = await connectedPair();
  a.pc.send({ type: "network.offline" });
  a.socket.send({ type: "signal.lost", jitter: 1 });
  await a.advance(10_000);
  assert.equal(restarts(a), 0);
  a.socket.send({
    type: "signal.restored",
    joined: joinedAck({ peers: [peerInfo("b-session-1")], seat: "resumed" }),
  });
  await settle();
  assert.equal(restarts(a), 1, "the server is reachable, so a network is there");
  a.pc.link("connected");
  await settle();
  assert.notEqual(a.view().status, INTERRUPTED);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("no path and no relay: said at 6 s, in words that say what would fix it", async () => {
  const { a, b } = await negotiatedPair();
  for (const call of [a, b]) call.pc.diagnosis = { path: false, relay: false, turn: false };
  for (const call of [a, b]) await call.advance(5999);
  assert.equal(a.view().status, "Connecting to the other person…");
  for (const call of [a, b]) await call.advance(1);
  for (const call of [a, b]) {
    const view = call.view();
    assert.equal(view.status, "The connection failed.");
    assert.match(view.alert!.text, /this Parley server has no relay \(TURN\)/);
    assert.match(view.alert!.text, /Whoever runs it can add one/);
  }
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a relay that refused Parley's credentials is said at 6 s", async () => {
  const { a, b } = await negotiatedPair();
  a.pc.diagnosis = { path: false, relay: false, turn: true };
  a.pc.send({ type: "pc.relayRefused" });
  await a.advance(6000);
  assert.match(a.view().alert!.text, /relay \(TURN\) refused Parley's credentials/);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("a first connection that stalls gets one ICE restart at 6 s and fails at 20 s", async () => {
  const { a, b } = await negotiatedPair();
  assert.equal(a.view().status, "Connecting to the other person…");
  await a.advance(6000);
  assert.equal(restarts(a), 1, "a relay is in play: no verdict yet, gather anew");
  await a.advance(10_000);
  assert.equal(restarts(a), 1, "only once");
  await a.advance(4000);
  assert.equal(a.view().status, "The connection failed.");
  a.actor.stop();
  b.actor.stop();
});
