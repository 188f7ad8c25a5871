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
import type { Presence } from "../../client/presence/presence.ts";
import {
  clock,
  listNames,
  nextClock,
  type StagePerson,
  stageView,
} from "../../client/page/stage_view.ts";
import { peopleOf } from "../../client/page/people.ts";
import { connectedGroup, connectedPair, settle } from "../helpers/fake_call.ts";

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

/** The other person of a call of two, connected, as the stage reads them. */
function one(theirs: Presence | null, lastName = ""): StagePerson[] {
  return [{ id: "b-session-1", theirs, lastName, link: "connected" }];
}

Deno.test("the stage in a call: their tile with initial, muted badge, title; the card when they leave", async () => {
  const { a, b } = await connectedPair();
  const view = a.view();
  const [off] = stageView(view, one({ mic: false, camera: false, name: "ada" })).tiles;
  assert.equal(off.cameraOff, true);
  assert.equal(off.muted, true);
  assert.equal(off.initial, "A");
  assert.equal(off.cameraOffText, "ada's camera is off");
  assert.equal(off.status, null, "connected: nothing over their picture");
  assert.equal(
    stageView(view, one({ mic: true, camera: true, name: "ada" })).title,
    "Parley — \u2068ada\u2069 joined",
    "their name isolated",
  );
  const presenting = stageView(view, one({ mic: true, camera: false, name: "ada", sharing: true }));
  assert.equal(presenting.tiles[0].presenting, true);
  assert.equal(presenting.tiles[0].cameraOff, false, "a shared screen is not a camera that is off");
  const unknown = stageView(view, one(null));
  assert.equal(unknown.tiles[0].cameraOff, false, "no placeholder before they say anything");
  assert.equal(unknown.tiles[0].name, "The other person");
  assert.equal(unknown.title, "Parley — they joined");
  assert.equal(unknown.card, null, "no card while they are here");

  b.send({ type: "user.hangUp" });
  await settle();
  b.socket.send({ type: "signal.left" });
  a.socket.send({ type: "peer.left", session: "b-session-1", reason: "hang-up" });
  await settle();
  const left = stageView(a.view(), [], [{
    id: "b-session-1",
    lastName: "Ada",
    absence: "hang-up",
  }]);
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

Deno.test("a group call: a tile each, who is in it in words, who left said while the others stay", async () => {
  const { calls: [a, b, c], room } = await connectedGroup(["a", "b", "c"]);
  const names: Record<string, string> = {
    [room.sessionOf(b)]: "Ben",
    [room.sessionOf(c)]: "Cy",
  };
  const people = () => peopleOf(a.actor.getSnapshot());
  const stage = () =>
    stageView(
      a.view(),
      people().here.map((p) => ({
        id: p.session,
        theirs: { mic: p.session !== room.sessionOf(c), camera: true, name: names[p.session] },
        lastName: names[p.session],
        link: p.link,
      })),
      people().gone.map((g) => ({ id: g.session, lastName: names[g.session], absence: g.absence })),
    );
  const together = stage();
  assert.deepEqual(together.tiles.map((t) => [t.name, t.muted, t.status]), [
    ["Ben", false, null],
    ["Cy", true, null],
  ]);
  assert.equal(together.presence, "\u2068Ben\u2069 and \u2068Cy\u2069 are in the call.");
  assert.equal(together.title, "Parley — \u2068Ben\u2069 and \u2068Cy\u2069 are in the call");
  assert.equal(together.card, null);
  // Cy's page reloaded and is back (client/presence/returns.ts): said after who is in the call.
  const back = stageView(a.view(), [], [], ["Cy"]);
  assert.equal(back.presence, null, "nobody here: nothing to say about them");
  const withBack = stageView(
    a.view(),
    people().here.map((p) => ({
      id: p.session,
      theirs: null,
      lastName: names[p.session],
      link: p.link,
    })),
    [],
    ["Cy"],
  );
  assert.equal(
    withBack.presence,
    "\u2068Ben\u2069 and \u2068Cy\u2069 are in the call. \u2068Cy\u2069 is back.",
  );

  room.leave(c, "hang-up");
  c.send({ type: "user.hangUp" });
  await settle();
  const after = stage();
  assert.deepEqual(after.tiles.map((t) => t.name), ["Ben"]);
  assert.equal(after.presence, "\u2068Ben\u2069 is in the call. \u2068Cy\u2069 left the call.");
  assert.equal(after.card, null, "no card: the call goes on with Ben");

  room.leave(b, "timeout");
  await settle();
  const alone = stage();
  assert.deepEqual(alone.tiles, []);
  assert.equal(alone.card?.title, "\u2068Ben\u2069 and \u2068Cy\u2069 left the call");
  for (const call of [a, b, c]) call.actor.stop();
});

Deno.test("names in a list: one, two, three", () => {
  assert.equal(listNames(["Ada"]), "\u2068Ada\u2069");
  assert.equal(
    listNames(["Ada", "Ben", "Cy"]),
    "\u2068Ada\u2069, \u2068Ben\u2069 and \u2068Cy\u2069",
  );
});

Deno.test("a group call: someone out of reach keeps their tile, saying so, while the others' pictures go on", async () => {
  const { calls: [a, b, c] } = await connectedGroup(["a", "b", "c"]);
  const view = stageView(a.view(), [
    { id: "b", theirs: { mic: true, camera: true, name: "Ben" }, lastName: "Ben", link: "failed" },
    { id: "c", theirs: null, lastName: "Cy", link: "connected" },
  ]);
  assert.deepEqual(view.tiles.map((t) => [t.name, t.status]), [
    ["Ben", "Can't reach Ben. Trying again…"],
    ["Cy", null],
  ]);
  assert.equal(view.presence, "\u2068Ben\u2069 and \u2068Cy\u2069 are in the call.");
  for (const call of [a, b, c]) call.actor.stop();
});
