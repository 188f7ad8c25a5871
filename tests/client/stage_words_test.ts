/**
 * What a group call's screen says of the others (client/page/stage_words.ts), from real machine
 * snapshots: whose connection to the server dropped, by name; who is back after a reload, and
 * nobody after a server restart; and what a screen reader is told of the tiles' connections
 * (client/page/tile_announcements.ts), once per change.
 *
 * @module
 */
import assert from "node:assert/strict";
import { callSnapshots } from "../../client/page/call_view.ts";
import { peopleOf } from "../../client/page/people.ts";
import { type RemoteTile } from "../../client/page/stage_view.ts";
import { stageWords } from "../../client/page/stage_words.ts";
import { type Said, tileAnnouncement } from "../../client/page/tile_announcements.ts";
import {
  connectedGroup,
  createFakeCall,
  type FakeCall,
  peerInfo,
  settle,
  toReady,
} from "../helpers/fake_call.ts";
import type { FakeRoom } from "../helpers/fake_room.ts";

/** The words `a` shows, with each session named as in `names`. */
function wordsOf(a: FakeCall, names: Record<string, string>) {
  const speak = stageWords({
    theirs: (session) => ({ mic: true, camera: true, name: names[session] ?? "" }),
    lastName: (session) => names[session] ?? "",
  });
  return () => {
    const session = callSnapshots(a.actor.getSnapshot()).session;
    return speak({
      view: a.view(),
      people: peopleOf(a.actor.getSnapshot()),
      health: () => ({}),
      offline: !!session?.context.joinedOnce && session.hasTag("connecting"),
    });
  };
}

async function groupOfThree() {
  const { calls, room } = await connectedGroup(["a", "b", "c"], { capacity: 4 });
  const [, b, c] = calls;
  const names = { [room.sessionOf(b)]: "Ben", [room.sessionOf(c)]: "Cy" };
  return { calls, room, names };
}

const isolated = (name: string) => `\u2068${name}\u2069`;

Deno.test("a group: whose connection to the server dropped is said by name, the call going on", async () => {
  const { calls: [a, b, c], room, names } = await groupOfThree();
  const words = wordsOf(a, names);
  assert.equal(words().pill, null);
  a.socket.send({ type: "peer.away", session: room.sessionOf(c), reason: "lost" });
  await settle();
  assert.equal(a.view().notice, null, "not the other person's: a group has several");
  assert.equal(
    words().pill?.text,
    `${isolated("Cy")}'s connection to the server dropped — the call goes on.`,
  );
  a.socket.send({ type: "peer.away", session: room.sessionOf(b), reason: "lost" });
  await settle();
  assert.equal(
    words().pill?.text,
    `${isolated("Ben")}'s and ${
      isolated("Cy")
    }'s connections to the server dropped — the call goes on.`,
  );
  assert.equal(words().words.presence, `${isolated("Ben")} and ${isolated("Cy")} are in the call.`);
  for (const call of [a, b, c]) call.actor.stop();
});

/** `call` joins `room` again as a new page, which the room seats. */
async function newPage(room: FakeRoom, name: string): Promise<FakeCall> {
  const call = createFakeCall(name, { capacity: 4 });
  await toReady(call);
  call.send({ type: "user.join" });
  await settle();
  room.join(call);
  await room.pump();
  return call;
}

Deno.test("a group: someone who reloads is said to be back once seen, after who is in the call", async () => {
  const { calls: [a, b, c], room, names } = await groupOfThree();
  const words = wordsOf(a, names);
  words();
  room.leave(c, "closed");
  c.actor.stop();
  await settle();
  assert.equal(
    words().words.presence,
    `${isolated("Ben")} is in the call. ${isolated("Cy")} left the call.`,
  );
  const again = await newPage(room, "c2");
  names[room.sessionOf(again)] = "Cy";
  for (const pc of [...a.peers, ...again.peers]) pc.link("connected");
  await settle();
  assert.equal(
    words().words.presence,
    `${isolated("Ben")} and ${isolated("Cy")} are in the call. ${isolated("Cy")} is back.`,
  );
  for (const call of [a, b, again]) call.actor.stop();
});

Deno.test("a group: after a server hiccup nobody is said to be back", async () => {
  const { calls: [a, b, c], room, names } = await groupOfThree();
  const words = wordsOf(a, names);
  const inCall = `${isolated("Ben")} and ${isolated("Cy")} are in the call.`;
  words();
  // Ben's and Cy's instance of a cluster dies: they are away, their pictures go on; then back.
  for (const call of [b, c]) {
    a.socket.send({ type: "peer.away", session: room.sessionOf(call), reason: "lost" });
  }
  await settle();
  words();
  for (const call of [b, c]) {
    a.socket.send({ type: "peer.joined", peer: peerInfo(room.sessionOf(call)) });
  }
  await settle();
  assert.equal(words().words.presence, inCall, "they never left: nobody is back");
  // The server restarts: everyone off it, then seated anew in another order.
  room.stopServer();
  await settle();
  words();
  for (const call of [a, b, c]) await call.advance(250);
  words();
  room.reseat([b, c, a]);
  await room.pump();
  for (let i = 0; i < 3; i++) {
    await a.advance(1000);
    assert.equal(words().words.presence, inCall, "nobody left: nobody is back");
  }
  for (const call of [a, b, c]) call.actor.stop();
});

const tile = (id: string, name: string, spoken: string | null, status: string | null = null) =>
  ({ id, name, spoken, status }) as RemoteTile;

Deno.test("tiles' connections told to a screen reader once per change, naming whose", () => {
  const ben = (spoken: string | null, status: string | null = null) =>
    tile("b", "Ben", spoken, status);
  const cy = tile("c", "Cy", null);
  let said: Said = new Map();
  const tell = (...tiles: RemoteTile[]) => {
    const news = tileAnnouncement(said, tiles);
    said = news.said;
    return news.text;
  };
  assert.equal(tell(ben(null), cy), null, "all well: nothing said");
  assert.equal(tell(ben("Ben: Weak connection."), cy), "Ben: Weak connection.");
  assert.equal(tell(ben("Ben: Weak connection."), cy), null, "the same news is not said twice");
  assert.equal(
    tell(ben("Reconnecting to Ben…", "Reconnecting…"), tile("c", "Cy", "Cy: Video frozen.")),
    "Reconnecting to Ben… Cy: Video frozen.",
    "two changes at once: one announcement",
  );
  assert.equal(tell(ben(null, "Connecting…"), tile("c", "Cy", "Cy: Video frozen.")), null);
  assert.equal(
    tell(ben(null), tile("c", "Cy", "Cy: Video frozen.")),
    `The connection with ${isolated("Ben")} is fine again.`,
  );
  assert.equal(tell(tile("c", "Cy", "Cy: Video frozen.")), null, "one tile: its pills say it");
});
