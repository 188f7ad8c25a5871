/**
 * A group call in the machines (machines/session_machine.ts, machines/room_peers.ts), three
 * calls in one fake room on simulated time: one peer connection per pair, each negotiated on its
 * own. Someone arrives, or leaves, while two others are at every stage of their own negotiation
 * (nothing sent yet, offer in flight, answered, connected, restarting ICE), and that pair goes on
 * undisturbed; a server restart with three people keeps every connection. Checked through the
 * fakes and what the page would show (`client/page/people.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { peopleOf } from "../../client/page/people.ts";
import {
  createFakeCall,
  type FakeCall,
  type FakePeerConnection,
  FakeRoom,
  settle,
  toReady,
} from "../helpers/fake_call.ts";

/** `call`'s newest peer connection with `other`. */
function pcWith(call: FakeCall, other: FakeCall, room: FakeRoom): FakePeerConnection {
  const session = room.sessionOf(other);
  const pc = call.peers.findLast((p) => p.input.peer === session);
  assert.ok(pc, `${call.name} has a peer connection with ${other.name}`);
  return pc;
}

/** Both sides of a pair hold each other's description, with nothing pending. */
function assertNegotiated(x: FakeCall, y: FakeCall, room: FakeRoom, why: string): void {
  for (const [from, to] of [[x, y], [y, x]]) {
    const pc = pcWith(from, to, room);
    assert.equal(pc.closed, false, `${why}: ${from.name}–${to.name} open`);
    assert.equal(pc.signalingState, "stable", `${why}: ${from.name}–${to.name} stable`);
    assert.ok(pc.remoteDescription, `${why}: ${from.name} has ${to.name}'s description`);
  }
}

/** The people `call`'s page shows: who is here (by call name) and how their link is. */
function shown(call: FakeCall, calls: FakeCall[], room: FakeRoom): string[] {
  const byName = new Map(calls.map((c) => [room.sessionOf(c), c.name]));
  return peopleOf(call.actor.getSnapshot()).here.map((p) => `${byName.get(p.session)} ${p.link}`);
}

async function joinOne(call: FakeCall, room: FakeRoom): Promise<void> {
  await toReady(call);
  call.send({ type: "user.join" });
  await settle();
  room.join(call);
  await settle();
}

/** Connects every open peer connection of `calls`. */
async function connectAll(calls: FakeCall[]): Promise<void> {
  for (const call of calls) for (const pc of call.peers) pc.link("connected");
  await settle();
}

/** The stages of a and b's own negotiation (b arrived after a, so b offers). */
const STAGES = [
  "nothing sent yet",
  "b's offer in flight",
  "offer taken, answer in flight",
  "negotiated, not connected",
  "connected",
  "restarting ICE",
] as const;
type Stage = typeof STAGES[number];

/** a and b in a room, their negotiation brought to `stage`. */
async function pairAt(stage: Stage): Promise<{ a: FakeCall; b: FakeCall; room: FakeRoom }> {
  const room = new FakeRoom();
  const a = createFakeCall("a");
  // "Nothing sent yet": b's peer connection has not asked to negotiate (see `goOn`).
  const b = createFakeCall("b", { autoNegotiate: stage !== "nothing sent yet" });
  await joinOne(a, room);
  await joinOne(b, room);
  const sa = room.sessionOf(a);
  const sb = room.sessionOf(b);
  if (stage === "nothing sent yet") {
    assert.equal(pcWith(b, a, room).signalingState, "stable", "no offer made");
    return { a, b, room };
  }
  if (stage === "b's offer in flight") {
    assert.equal(pcWith(b, a, room).signalingState, "have-local-offer", "b offered");
    assert.equal(pcWith(a, b, room).remoteDescription, null, "a has not heard it");
    return { a, b, room };
  }
  if (stage === "offer taken, answer in flight") {
    await room.pump((from, to) => from === sb && to === sa);
    assert.equal(pcWith(a, b, room).signalingState, "stable", "a answered");
    assert.equal(pcWith(b, a, room).signalingState, "have-local-offer", "b waits for it");
    return { a, b, room };
  }
  await room.pump();
  if (stage === "negotiated, not connected") return { a, b, room };
  await connectAll([a, b]);
  if (stage === "connected") return { a, b, room };
  // The path fails: the impolite side (a, the first seated) restarts ICE with a new offer.
  pcWith(a, b, room).link("failed");
  pcWith(b, a, room).link("failed");
  await settle();
  assert.ok(
    [pcWith(a, b, room), pcWith(b, a, room)].some((pc) => pc.signalingState === "have-local-offer"),
    "an ICE restart's offer is out",
  );
  return { a, b, room };
}

/** What a and b's negotiation does next at `stage` by itself: b's connection asks to offer. */
async function goOn(stage: Stage, a: FakeCall, b: FakeCall, room: FakeRoom): Promise<void> {
  if (stage !== "nothing sent yet") return;
  pcWith(b, a, room).send({ type: "pc.negotiationNeeded" });
  await settle();
}

for (const stage of STAGES) {
  Deno.test(`c arrives while a and b are at "${stage}": every pair negotiates, a–b's connection is kept`, async () => {
    const { a, b, room } = await pairAt(stage);
    const ab = pcWith(a, b, room);
    const ba = pcWith(b, a, room);
    const c = createFakeCall("c");
    await joinOne(c, room);
    await goOn(stage, a, b, room);
    await room.pump();
    await connectAll([a, b, c]);
    assert.equal(pcWith(a, b, room), ab, "a keeps its connection with b");
    assert.equal(pcWith(b, a, room), ba, "b keeps its connection with a");
    assertNegotiated(a, b, room, stage);
    assertNegotiated(a, c, room, stage);
    assertNegotiated(b, c, room, stage);
    assert.equal(pcWith(c, a, room).input.initiator, true, "the newcomer offers to each");
    assert.equal(pcWith(c, b, room).input.initiator, true);
    const all = [a, b, c];
    assert.deepEqual(shown(a, all, room), ["b connected", "c connected"]);
    assert.deepEqual(shown(c, all, room), ["a connected", "b connected"]);
    for (const { from, to } of room.relayed) assert.notEqual(from, to, "nothing to oneself");
    for (const call of all) call.actor.stop();
  });

  Deno.test(`c leaves mid-offer while a and b are at "${stage}": a–b goes on, c's connections close`, async () => {
    const { a, b, room } = await pairAt(stage);
    const c = createFakeCall("c");
    await joinOne(c, room);
    // c's offers to a and b are out; a answered its own, b not yet (only c→a and a→c delivered).
    const sa = room.sessionOf(a);
    const sc = room.sessionOf(c);
    await room.pump((from, to) => (from === sc && to === sa) || (from === sa && to === sc));
    const ac = pcWith(a, c, room);
    const bc = pcWith(b, c, room);
    room.leave(c, "hang-up");
    c.send({ type: "user.hangUp" });
    await settle();
    assert.equal(ac.closed, true, "a's connection with c closes");
    assert.equal(bc.closed, true, "b's connection with c closes");
    // What was still on its way from c meets no negotiation: dropped, nothing restarts.
    await goOn(stage, a, b, room);
    await room.pump();
    await connectAll([a, b]);
    assertNegotiated(a, b, room, `${stage}, c gone`);
    const all = [a, b, c];
    assert.deepEqual(shown(a, all, room), ["b connected"]);
    assert.deepEqual(shown(b, all, room), ["a connected"]);
    assert.deepEqual(
      peopleOf(a.actor.getSnapshot()).gone,
      [{ session: sc, absence: "hang-up" }],
      "a's page can say c left the call",
    );
    assert.equal(a.view().peer, "here", "a is still in a call with b");
    for (const call of all) call.actor.stop();
  });
}

Deno.test("one of three loses their page (closed): the other two go on, and a new page of them is met anew", async () => {
  const { a, b, room } = await pairAt("connected");
  const c = createFakeCall("c");
  await joinOne(c, room);
  await room.pump();
  await connectAll([a, b, c]);
  const ab = pcWith(a, b, room);
  room.leave(c, "closed");
  await settle();
  assert.equal(pcWith(a, c, room).closed, true);
  assert.equal(ab.closed, false);
  assert.equal(a.view().connected, true, "a and b still talk");
  c.actor.stop();
  const c2 = createFakeCall("c");
  await joinOne(c2, room);
  await room.pump();
  await connectAll([a, b, c2]);
  assertNegotiated(a, c2, room, "c's new page");
  assertNegotiated(b, c2, room, "c's new page");
  assert.equal(pcWith(a, b, room), ab, "a–b untouched throughout");
  for (const call of [a, b, c2]) call.actor.stop();
});

Deno.test("the server restarts with three in the call: all come back, every connection kept, roles as the new order says", async () => {
  const { a, b, room } = await pairAt("connected");
  const c = createFakeCall("c");
  await joinOne(c, room);
  await room.pump();
  const all = [a, b, c];
  await connectAll(all);
  const before = new Map(
    all.flatMap((x) =>
      all.filter((y) => y !== x).map((y) => [`${x.name}${y.name}`, pcWith(x, y, room)])
    ),
  );
  room.stopServer();
  await settle();
  for (const call of all) {
    assert.equal(call.view().notice?.startsWith("Lost the connection to the Parley server"), true);
  }
  await Promise.all(all.map((call) => call.advance(300)));
  // Back in another order: c first, then a, then b.
  room.reseat([c, a, b]);
  await settle();
  await room.pump();
  for (const [key, pc] of before) {
    const [x, y] = [...key].map((name) => all.find((call) => call.name === name)!);
    assert.equal(pcWith(x, y, room), pc, `${key}: the same peer connection`);
    assert.equal(pc.closed, false, `${key}: still open`);
  }
  for (const call of all) {
    assert.equal(call.view().notice, null, `${call.name}: back on the server`);
    assert.equal(call.view().connected, true);
    assert.equal(shown(call, all, room).length, 2, `${call.name} still sees two people`);
  }
  // A path fails after the restart: the pair restarts ICE on its own and is negotiated again.
  pcWith(a, c, room).link("failed");
  pcWith(c, a, room).link("failed");
  await settle();
  await room.pump();
  assertNegotiated(a, c, room, "ICE restart after the server's");
  assertNegotiated(a, b, room, "the others untouched");
  for (const call of all) call.actor.stop();
});

/** a, b and c in a room, every pair negotiated; a's connections work, b–c's finds no path. */
async function groupWithoutPath(): Promise<
  { a: FakeCall; b: FakeCall; c: FakeCall; room: FakeRoom }
> {
  const room = new FakeRoom();
  const [a, b, c] = ["a", "b", "c"].map((name) => createFakeCall(name));
  for (const call of [a, b, c]) await joinOne(call, room);
  await room.pump();
  for (const [x, y] of [[a, b], [b, a], [a, c], [c, a]]) pcWith(x, y, room).link("connected");
  await settle();
  return { a, b, c, room };
}

Deno.test("in a group, a pair that finds no path says so on its tiles and is made anew by itself; the others' connections are untouched", async () => {
  const { a, b, c, room } = await groupWithoutPath();
  const all = [a, b, c];
  const [ab, ac, bc, cb] = [[a, b], [a, c], [b, c], [c, b]].map(([x, y]) => pcWith(x, y, room));
  // 20 s without a path: each side gives its connection up, and shows the other out of reach.
  for (const call of [b, c]) await call.advance(20_000);
  assert.equal(bc.closed && cb.closed, true, "b–c's connections are given up");
  assert.deepEqual(shown(b, all, room), ["a connected", "c failed"]);
  assert.deepEqual(shown(c, all, room), ["a connected", "b failed"]);
  assert.equal(b.view().peer, "here", "b is still in the call with a");
  // b, impolite toward c (seated before), makes a new connection 3 s later; c takes its offer.
  await b.advance(2999);
  assert.equal(pcWith(b, c, room), bc, "not before 3 s");
  await b.advance(1);
  assert.notEqual(pcWith(b, c, room), bc, "a new connection with c");
  assert.equal(pcWith(b, c, room).input.initiator, true);
  await room.pump();
  assertNegotiated(b, c, room, "made anew");
  assert.notEqual(pcWith(c, b, room), cb, "c took it with a new connection");
  pcWith(b, c, room).link("connected");
  pcWith(c, b, room).link("connected");
  await settle();
  assert.deepEqual(shown(b, all, room), ["a connected", "c connected"]);
  assert.deepEqual(shown(c, all, room), ["a connected", "b connected"]);
  assert.equal(pcWith(a, b, room), ab, "a's connections are never touched");
  assert.equal(pcWith(a, c, room), ac);
  assert.equal(ab.closed || ac.closed, false);
  for (const call of all) call.actor.stop();
});

Deno.test("a newcomer's join carried an offer for each of three: every pair answers it, none makes another", async () => {
  const room = new FakeRoom();
  const calls = ["a", "b", "c", "d"].map((name) => createFakeCall(name));
  for (const [i, call] of calls.entries()) {
    await toReady(call);
    call.send({ type: "user.join" });
    await settle();
    if (i < 3) room.join(call);
    else room.join(call, undefined, { offered: true, offeredMore: 2 });
    await settle();
    if (i < 3) await room.pump();
  }
  const d = calls[3];
  assert.equal(d.peers.length, 3);
  assert.ok(
    d.peers.every((pc) => pc.input.offered),
    "each of d's connections offered with the join",
  );
  assert.equal(d.socket.sent.filter((m) => "description" in m).length, 0, "no offer made after");
  await room.pump();
  for (const other of calls.slice(0, 3)) assertNegotiated(d, other, room, `d and ${other.name}`);
  assert.ok(d.peers.every((pc) => pc.staleAnswers === 0));
  for (const call of calls) call.actor.stop();
});
