/**
 * What a group call says about each connection (client/page/connection_notes.ts): a poor link
 * with one person on that person's tile, never on the others' nor as the pill; what every
 * connection shows about this side in the one pill, said once; the tile beside the name or over
 * the picture (client/page/stage_view.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { SendingState } from "../../client/adaptation/adaptation.ts";
import { SENDING_LINES } from "../../client/adaptation/sending_view.ts";
import {
  type GroupConnection,
  groupNotes,
  TILE_NOTES,
} from "../../client/page/connection_notes.ts";
import { stageView } from "../../client/page/stage_view.ts";
import { PROBLEMS } from "../../client/quality/quality.ts";
import { connectedGroupView } from "../helpers/fake_call.ts";

/** Ada's view of a connected group of three (a plain object, read once). */
const view = await connectedGroupView(["a", "b", "c"]);

const FULL: SendingState = { video: "full", reason: null, recovering: false };
const PAUSED: SendingState = { video: "paused", reason: "network", recovering: false };
const LOWERED: SendingState = { video: "lowered", reason: "network", recovering: false };
const SAVER: SendingState = { video: "lowered", reason: "saver", recovering: false };

/** Ben's and Cy's connections, all well unless `ben` or `cy` says otherwise. */
function group(
  ben: Partial<GroupConnection> = {},
  cy: Partial<GroupConnection> = {},
): GroupConnection[] {
  const well = { connected: true, problems: [], mine: FULL, theirs: FULL };
  return [{ session: "ben", ...well, ...ben }, { session: "cy", ...well, ...cy }];
}

Deno.test("all well in a group: no pill, no note", () => {
  const { pill, notes } = groupNotes(view, group());
  assert.equal(pill, null);
  assert.equal(notes.size, 0);
});

Deno.test("packets lost from Cy only: Cy's tile says 'Weak connection', Ben's nothing, no pill", () => {
  const { pill, notes } = groupNotes(view, group({}, { problems: [PROBLEMS.localLoss] }));
  assert.equal(pill, null, "not 'Your connection…': the others' reach this side whole");
  assert.equal(notes.get("cy")?.text, "Weak connection");
  assert.equal(notes.has("ben"), false);
});

Deno.test("packets lost from everyone: the pill says it is this side's connection, the tiles stay quiet", () => {
  const lossy = { problems: [PROBLEMS.localLoss] };
  const { pill, notes } = groupNotes(view, group(lossy, lossy));
  assert.equal(pill?.text, "Your connection is losing packets");
  assert.equal(notes.size, 0, "said once");
});

Deno.test("Cy's picture paused by their link: said over Cy's picture, the pill says nothing", () => {
  const { pill, notes } = groupNotes(view, group({}, { theirs: PAUSED }));
  assert.equal(pill, null);
  assert.deepEqual(notes.get("cy"), TILE_NOTES.theirVideoPaused);
  assert.equal(notes.get("cy")?.text, SENDING_LINES.theirVideoPaused.text);
  const tiles = stageView(view, [
    { id: "ben", theirs: null, lastName: "Ben", link: "connected", note: notes.get("ben") },
    { id: "cy", theirs: null, lastName: "Cy", link: "connected", note: notes.get("cy") },
  ]).tiles;
  assert.equal(tiles[1].status, "Their video is paused: their connection is weak");
  assert.equal(tiles[1].note, null, "over the picture, not beside the name too");
  assert.deepEqual([tiles[0].status, tiles[0].note], [null, null]);
});

Deno.test("this side's picture paused to Cy only: on Cy's tile; to everyone: the pill, about your voice", () => {
  const one = groupNotes(view, group({}, { mine: PAUSED, problems: [PROBLEMS.remoteLoss] }));
  assert.equal(one.pill, null);
  assert.equal(one.notes.get("cy")?.text, "Your video to them is paused");
  const all = groupNotes(view, group({ mine: PAUSED }, { mine: PAUSED }));
  assert.equal(all.pill?.text, "Video paused to keep your voice clear");
  assert.equal(all.notes.size, 0);
});

Deno.test("loss reported by Cy: 'Weak connection' beside Cy's name; a picture sent smaller alone says nothing", () => {
  const { pill, notes } = groupNotes(view, group({}, { problems: [PROBLEMS.remoteLoss] }));
  assert.equal(pill, null);
  assert.deepEqual(notes.get("cy"), TILE_NOTES.weak);
  assert.equal(notes.has("ben"), false);
  // Within the group's share of the uplink a clean link may never afford the top level.
  for (const cy of [{ theirs: LOWERED }, { mine: LOWERED }]) {
    assert.equal(groupNotes(view, group({}, cy)).notes.size, 0, JSON.stringify(cy));
  }
  const tile = stageView(view, [
    { id: "cy", theirs: null, lastName: "Cy", link: "connected", note: TILE_NOTES.weak },
    { id: "ben", theirs: null, lastName: "Ben", link: "connected" },
  ]).tiles[0];
  assert.deepEqual(tile.note, { text: "Weak connection", tone: "warning" });
  assert.equal(tile.status, null, "their picture stays clear");
});

Deno.test("data saver is said once, in the pill, even while one connection is paused", () => {
  const { pill, notes } = groupNotes(view, group({ mine: SAVER }, { mine: PAUSED }));
  assert.equal(pill?.text, "Data saver: your video is sent small");
  assert.equal(notes.get("cy")?.text, "Your video to them is paused");
  assert.equal(
    groupNotes(view, group({ mine: SAVER }, { mine: SAVER })).pill?.text,
    "Data saver: your video is sent small",
  );
});

Deno.test("a frozen picture, one coming back: on that tile; a connection not up yet says nothing here", () => {
  const frozen = groupNotes(view, group({ problems: [PROBLEMS.frozen] }));
  assert.equal(frozen.notes.get("ben")?.text, "Video frozen");
  const back = groupNotes(view, group({}, { theirs: { ...LOWERED, recovering: true } }));
  assert.deepEqual(back.notes.get("cy"), TILE_NOTES.theirVideoRecovering);
  const mending = groupNotes(view, group({}, { connected: false, theirs: PAUSED }));
  assert.equal(mending.notes.size, 0, "its tile says 'Reconnecting…' already");
});
