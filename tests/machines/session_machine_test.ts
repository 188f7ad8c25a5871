/**
 * The time in the room (machines/session_machine.ts), run inside the call on fake effects and
 * simulated time: the server's back-off as it runs in production, seats kept or lost, the other
 * person coming and going. Checked through what the page says and what the fakes went through.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ATTEMPTS_BEFORE_UNREACHABLE, BUSY_RETRIES } from "../../machines/session_machine.ts";
import {
  connectedPair,
  createFakeCall,
  type FakeCall,
  joinedAck,
  peerInfo,
  settle,
  toReady,
} from "../helpers/fake_call.ts";

const RECONNECTING = "Lost the connection to the Parley server. Reconnecting… your call continues.";

async function joining(): Promise<FakeCall> {
  const call = createFakeCall("a");
  await toReady(call);
  call.send({ type: "user.join" });
  await settle();
  return call;
}

Deno.test("a server never reached: three attempts 0.25 s and 0.5 s apart, then unreachable", async () => {
  const call = await joining();
  assert.equal(ATTEMPTS_BEFORE_UNREACHABLE, 3);
  call.socket.send({ type: "signal.connectFailed", jitter: 1 });
  await call.advance(249);
  assert.equal(call.socket.connects, 1, "no second attempt before 0.25 s");
  await call.advance(1);
  assert.equal(call.socket.connects, 2);
  call.socket.send({ type: "signal.connectFailed", jitter: 1 });
  await call.advance(499);
  assert.equal(call.socket.connects, 2);
  await call.advance(1);
  assert.equal(call.socket.connects, 3);
  assert.equal(call.view().status, "Joining the room…");
  call.socket.send({ type: "signal.connectFailed", jitter: 1 });
  await settle();
  const view = call.view();
  assert.equal(view.status, "Can't reach the Parley server.");
  assert.deepEqual(view.alert!.actions.map((a) => a.label), ["Retry", "Start a new call"]);
  call.send({ type: "user.retry" });
  await settle();
  assert.equal(call.signaling.length, 2, "Retry opens a new connection");
  assert.equal(call.socket.connects, 1);
  call.actor.stop();
});

const BUSY = "The server is busy — trying again…";
const UNAVAILABLE = {
  code: "unavailable" as const,
  message: "This server cannot seat anyone right now; try again in a few seconds.",
};

Deno.test("a server that cannot seat anyone: joins again 2, 4 and 8 s later, saying so; then its refusal", async () => {
  const call = await joining();
  assert.equal(BUSY_RETRIES, 3);
  for (const wait of [2000, 4000, 8000]) {
    const before = call.socket.connects;
    call.socket.send({ type: "signal.rejected", error: UNAVAILABLE });
    await settle();
    assert.equal(call.view().status, BUSY);
    assert.equal(call.view().screen, "call", "no dead end while it tries again");
    await call.advance(wait - 1);
    assert.equal(call.socket.connects, before, `no new join before ${wait} ms`);
    await call.advance(1);
    assert.equal(call.socket.connects, before + 1, `a new join ${wait} ms after the refusal`);
    assert.equal(call.view().status, "Joining the room…");
  }
  call.socket.send({ type: "signal.rejected", error: UNAVAILABLE });
  await settle();
  const view = call.view();
  assert.equal(view.screen, "message");
  assert.equal(view.alert!.text, UNAVAILABLE.message);
  assert.deepEqual(view.alert!.actions.map((a) => a.label), ["Retry", "Start a new call"]);
  call.actor.stop();
});

Deno.test("a server that could not seat anyone, then did: the tries start over next time", async () => {
  const call = await joining();
  call.socket.send({ type: "signal.rejected", error: UNAVAILABLE });
  await call.advance(2000);
  call.socket.send({ type: "signal.joined", joined: joinedAck() });
  await settle();
  assert.equal(call.view().waiting, true);
  // Back after a drop, refused as busy three times again: each tried again, as the first time.
  call.socket.send({ type: "signal.lost", jitter: 1 });
  await call.advance(250);
  for (const wait of [2000, 4000, 8000]) {
    const before = call.socket.connects;
    call.socket.send({ type: "signal.rejected", error: UNAVAILABLE });
    await call.advance(wait);
    assert.equal(call.socket.connects, before + 1);
  }
  assert.equal(call.view().screen, "call");
  call.actor.stop();
});

Deno.test("Hang up while the server is busy: no more tries, the call ends", async () => {
  const call = await joining();
  call.socket.send({ type: "signal.rejected", error: UNAVAILABLE });
  await settle();
  assert.equal(call.view().status, BUSY);
  const before = call.socket.connects;
  call.send({ type: "user.hangUp" });
  await settle();
  assert.deepEqual(call.socket.commands.at(-1), { type: "leave" });
  call.socket.send({ type: "signal.left" });
  await call.advance(20_000);
  assert.equal(call.socket.connects, before, "not tried again");
  assert.equal(call.view().alert?.kind, "left");
  call.actor.stop();
});

Deno.test("server lost mid-call: back-off of 0.25, 0.5, 1, 1 s (with jitter); the call goes on", async () => {
  const { a, b } = await connectedPair();
  const pc = a.pc;
  a.socket.send({ type: "signal.lost", jitter: 1 });
  await settle();
  assert.equal(a.view().notice, RECONNECTING);
  assert.equal(a.view().status, "Connected.", "the media goes on peer to peer");
  const waits: number[] = [];
  for (const jitter of [1, 1, 1, 1, 1.3]) {
    const before = a.socket.connects;
    let waited = 0;
    while (a.socket.connects === before) {
      await a.advance(50);
      waited += 50;
      assert.ok(waited <= 10_000, "an attempt comes within 10 s");
    }
    waits.push(waited);
    a.socket.send({ type: "signal.connectFailed", jitter });
  }
  assert.deepEqual(waits, [250, 500, 1000, 1000, 1000]);
  // The last failure drew a jitter of 1.3: the next wait is 1.3 s.
  const before = a.socket.connects;
  await a.advance(1250);
  assert.equal(a.socket.connects, before);
  await a.advance(50);
  assert.equal(a.socket.connects, before + 1);
  a.socket.send({ type: "signal.restored", joined: joinedAck({ seat: "resumed" }) });
  await settle();
  assert.equal(a.view().notice, null);
  assert.equal(a.pc, pc, "the same peer connection throughout");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the device's network is back: reconnect at once, not at the end of the wait", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost", jitter: 1 });
  a.socket.send({ type: "signal.connectFailed", jitter: 1 });
  await settle();
  const before = a.socket.connects;
  a.socket.send({ type: "network.online" });
  await settle();
  assert.equal(a.socket.connects, before + 1);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("back with the seat resumed or new (a restarted server): the call goes on", async () => {
  for (const seat of ["resumed", "new"] as const) {
    const { a, b } = await connectedPair();
    const pc = a.pc;
    a.socket.send({ type: "signal.lost", jitter: 1 });
    await a.advance(250);
    a.socket.send({
      type: "signal.restored",
      joined: joinedAck({ seat, peers: [peerInfo("b-session-1")] }),
    });
    await settle();
    assert.equal(a.pc, pc, `seat ${seat}: same peer connection`);
    assert.equal(pc.closed, false);
    assert.equal(a.view().status, "Connected.");
    a.actor.stop();
    b.actor.stop();
  }
});

Deno.test("back after our seat expired, the other person still there: a new connection, we offer", async () => {
  const { a, b } = await connectedPair();
  const old = a.pc;
  a.socket.send({ type: "signal.lost", jitter: 1 });
  await a.advance(250);
  a.socket.send({
    type: "signal.restored",
    joined: joinedAck({ seat: "expired", peers: [peerInfo("b-session-1", "polite")] }),
  });
  await settle();
  assert.equal(old.closed, true, "the other side dropped that connection: so do we");
  assert.equal(a.peers.length, 2);
  assert.equal(a.pc.input.initiator, true, "this side offers on the new one");
  assert.equal(a.pc.signalingState, "have-local-offer");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("back after our seat expired and the other person gone: wait in the room", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "signal.lost", jitter: 1 });
  await a.advance(250);
  a.socket.send({ type: "signal.restored", joined: joinedAck({ seat: "expired" }) });
  await settle();
  assert.equal(a.view().status, "Waiting for the other person. Send them the invite link.");
  assert.equal(a.pc.closed, true);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other person's page closed: wait for them at once; they come back: a new connection", async () => {
  const { a, b } = await connectedPair();
  const old = a.pc;
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "closed" });
  await settle();
  assert.equal(
    a.view().status,
    "The other person left or reloaded the page. Waiting for them to come back…",
  );
  assert.equal(old.closed, true);
  a.socket.send({ type: "peer.joined", peer: peerInfo("b-reloaded") });
  await settle();
  assert.equal(a.peers.length, 2);
  assert.equal(a.pc.input.initiator, false, "the newcomer offers");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other person's connection lost: the call goes on and says so", async () => {
  const { a, b } = await connectedPair();
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "lost" });
  await settle();
  assert.equal(a.view().status, "Connected.");
  assert.equal(
    a.view().notice,
    "The other person's connection to the server dropped. Your call continues.",
  );
  a.socket.send({ type: "peer.joined", peer: peerInfo("b-session-1") });
  await settle();
  assert.equal(a.view().notice, null);
  assert.equal(a.peers.length, 1, "the same page back: the same connection");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("the other person hung up, or their seat timed out: said, and we wait", async () => {
  for (
    const [reason, words] of [
      ["hang-up", "The other person hung up. You can wait here for them to come back."],
      ["timeout", "The other person left. You can wait here for them to come back."],
    ] as const
  ) {
    const { a, b } = await connectedPair();
    a.socket.send({ type: "peer.left", session: "b-session-1", reason });
    await settle();
    assert.equal(a.view().status, words);
    assert.equal(a.pc.closed, true);
    a.actor.stop();
    b.actor.stop();
  }
});

Deno.test("renewed TURN credentials reach the running peer connection and the next one", async () => {
  const { a, b } = await connectedPair();
  const iceServers = [{ urls: "turn:turn.test:3478", username: "u", credential: "c" }];
  a.socket.send({ type: "signal.iceServers", iceServers });
  await settle();
  assert.equal(a.pc.commands.at(-1), "setIceServers");
  a.socket.send({ type: "peer.away", session: "b-session-1", reason: "closed" });
  a.socket.send({ type: "peer.joined", peer: peerInfo("b-new") });
  await settle();
  assert.deepEqual(a.pc.input.iceServers, iceServers, "a new peer connection starts with them");
  a.actor.stop();
  b.actor.stop();
});
