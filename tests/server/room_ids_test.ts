/** Minted room ids, the connection cap arithmetic, slow readers and the origin check. */
import assert from "node:assert/strict";
import { newRoomId } from "../../protocol/signaling.ts";
import { connectionCap, headroom } from "../../server/connection_guard.ts";
import { MINTED_ROOM_ID_LENGTH, roomIds, roomSecret } from "../../server/room_ids.ts";
import { SlowReaders } from "../../server/send_queue.ts";
import { originAllowed } from "../../server/signaling.ts";

Deno.test("roomIds: minted ids carry a tag only the key makes", async (t) => {
  const ids = roomIds("k3y");

  await t.step("a minted id is a valid room id and is recognised", () => {
    const id = ids.mint();
    assert.equal(id.length, MINTED_ROOM_ID_LENGTH);
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.equal(ids.isMinted(id), true);
    assert.notEqual(ids.mint(), id);
  });

  await t.step("the same key recognises it after a restart or on another instance", () => {
    const id = ids.mint();
    assert.equal(roomIds("k3y").isMinted(id), true);
    assert.equal(roomIds("other").isMinted(id), false);
    assert.equal(roomIds(null).isMinted(id), false);
  });

  await t.step("made-up and altered ids are not minted", () => {
    const id = ids.mint();
    const flipped = id.slice(0, -1) + (id.endsWith("A") ? "B" : "A");
    assert.equal(ids.isMinted(flipped), false);
    assert.equal(ids.isMinted("B" + id.slice(1)), false);
    assert.equal(ids.isMinted(newRoomId()), false);
    assert.equal(ids.isMinted(id + "x"), false);
    assert.equal(ids.isMinted("../" + id.slice(3)), false);
  });

  await t.step("a group's size is in its id, under the tag: editing it unmakes the room", () => {
    const group = ids.mint(4);
    assert.equal(group.length, MINTED_ROOM_ID_LENGTH + 1);
    assert.equal(ids.isMinted(group), true);
    assert.equal(ids.sizeOf(group), 4);
    assert.equal(roomIds("k3y").sizeOf(group), 4, "on another instance with the key");
    const raised = group.slice(0, 22) + "9" + group.slice(23);
    assert.equal(ids.isMinted(raised), false);
    assert.equal(ids.sizeOf(raised), null, "a group's link with its size edited is no room");
    assert.equal(roomIds("other").sizeOf(group), null, "nor is one tagged under another key");
    assert.equal(ids.sizeOf(ids.mint()), 2, "a call for two");
    assert.equal(ids.sizeOf(ids.mint(2)), 2);
    assert.equal(ids.sizeOf(newRoomId()), 2, "a made-up room seats two");
    assert.throws(() => ids.mint(1), RangeError);
    assert.throws(() => ids.mint(10), RangeError);
  });

  await t.step("the key: ROOM_SECRET, else derived from TURN_SECRET, else random", () => {
    assert.equal(roomSecret("r", "t"), "r");
    const derived = roomSecret("", "t");
    assert.ok(derived && derived !== "t", "never the TURN secret itself");
    assert.equal(roomSecret("", "t"), derived);
    assert.equal(roomSecret("", null), null);
  });
});

Deno.test("connectionCap: below the open-file limit, or as configured", () => {
  assert.equal(connectionCap(null, 1024), 1024 - 256);
  assert.equal(connectionCap(null, 256), 256 - 128);
  assert.equal(connectionCap(null, 1_048_576), 1_048_576 - headroom(1_048_576));
  assert.equal(connectionCap(500, 1024), 500);
  assert.equal(connectionCap(null, null), null);
});

Deno.test("SlowReaders: behind over the bound, stalled after the stall time", () => {
  const clock = { t: 0, now: () => clock.t };
  const slow = new SlowReaders({ boundBytes: 1000, stallMs: 5000, clock });
  assert.equal(slow.check("a", 1000), "ok");
  assert.equal(slow.check("a", 1001), "behind");
  clock.t = 4999;
  assert.equal(slow.check("a", 5000), "behind");
  clock.t = 5000;
  assert.equal(slow.check("a", 5000), "stalled");
  assert.deepEqual(slow.behind(), ["a"]);
  assert.equal(slow.check("a", 10), "ok", "caught up: the clock starts again");
  assert.deepEqual(slow.behind(), []);
  clock.t = 20_000;
  assert.equal(slow.check("a", 2000), "behind");
});

Deno.test("originAllowed: the page's own origin, ALLOWED_ORIGINS, and programs", () => {
  const req = (origin: string | undefined, host = "parley.example:8000") => ({
    headers: { origin, host },
  });
  const embed = ["https://embed.example.org"];
  assert.equal(originAllowed(req("http://parley.example:8000"), []), true);
  assert.equal(originAllowed(req("https://parley.example:8000"), []), true);
  assert.equal(originAllowed(req(undefined), []), true);
  assert.equal(originAllowed(req("https://evil.example"), []), false);
  assert.equal(originAllowed(req("https://parley.example:8000.evil.example"), []), false);
  assert.equal(originAllowed(req("null"), []), false);
  assert.equal(originAllowed(req("https://embed.example.org"), embed), true);
  assert.equal(originAllowed(req("https://embed.example.org"), []), false);
});
