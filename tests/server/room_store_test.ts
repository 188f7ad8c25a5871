/**
 * The seat rules, one contract, held against both stores: memory (`server/memory_rooms.ts`) and
 * Redis (`server/redis_rooms.ts`, on a real redis-server). Time is simulated in both: the memory
 * store runs on XState's `SimulatedClock`, the Redis scripts are handed the test's time, and
 * `advance` lets each store act on it (the Redis store beats and sweeps, as it does each second).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type RoomStore, SEAT_RULES } from "../../server/room_store.ts";
import { storeHarnesses } from "../helpers/room_stores.ts";

const ROOM = "room-aaaaaaaaaaaa";
const OTHER_ROOM = "room-bbbbbbbbbbbb";

async function seated(
  store: RoomStore,
  socketId: string,
  options: { room?: string; resume?: string; capacity?: number } = {},
) {
  const outcome = await store.join(socketId, {
    room: options.room ?? ROOM,
    session: `session-${socketId}`,
    resume: options.resume,
    capacity: options.capacity ?? 2,
  });
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return outcome as Extract<typeof outcome, { ok: true }>;
}

async function refused(store: RoomStore, socketId: string, resume?: string, capacity = 2) {
  return await store.join(socketId, { room: ROOM, session: "stranger", resume, capacity });
}

const FULL = { ok: false, reason: "room-full" };

const { stores, redis } = await storeHarnesses();

for (const { name, open } of stores) {
  const test = (title: string, fn: () => Promise<void>) =>
    Deno.test({
      name: `${name} store: ${title}`,
      fn,
      sanitizeOps: false,
      sanitizeResources: false,
    });

  test("seats two members in seats 0 and 1, each told of the other", async () => {
    await using rooms = await open();
    const first = await seated(rooms.store, "s1");
    assert.deepEqual(first.peers, []);
    assert.equal(first.replacedSocketId, null);
    assert.equal(first.previousSession, null);
    assert.equal(first.outcome, "new");
    assert.deepEqual(
      { index: first.seat.index, session: first.seat.session, capacity: first.seat.capacity },
      { index: 0, session: "session-s1", capacity: 2 },
    );
    const second = await seated(rooms.second, "s2");
    assert.equal(second.seat.index, 1);
    assert.deepEqual(second.peers, [{ index: 0, session: "session-s1" }]);
    assert.notEqual(second.seat.resume, first.seat.resume);
    assert.deepEqual(await rooms.store.status(ROOM, first.seat.resume), {
      members: 2,
      yours: true,
    });
    assert.deepEqual(await rooms.store.status(ROOM, "someone-else"), { members: 2, yours: false });
  });

  test("capacity is the room's: a third is turned away from two seats, a fifth from four", async () => {
    await using rooms = await open();
    await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    assert.deepEqual(await refused(rooms.store, "s3"), FULL);
    const group = [];
    for (const id of ["g1", "g2", "g3", "g4"]) {
      group.push(await seated(rooms.second, id, { room: OTHER_ROOM, capacity: 4 }));
    }
    assert.deepEqual(group.map((g) => g.seat.index), [0, 1, 2, 3]);
    assert.deepEqual(group[3].peers.map((p) => p.index), [0, 1, 2]);
    assert.deepEqual(
      await rooms.store.join("g5", { room: OTHER_ROOM, session: "g5", capacity: 4 }),
      FULL,
    );
    assert.equal((await rooms.store.status(OTHER_ROOM)).members, 4);
    assert.equal(await rooms.store.roomCount(), 2);
  });

  test("a seat given up goes to the next member, lowest seat first", async () => {
    await using rooms = await open();
    const first = await seated(rooms.store, "s1", { capacity: 3 });
    await seated(rooms.store, "s2", { capacity: 3 });
    await seated(rooms.store, "s3", { capacity: 3 });
    const left = await rooms.store.leave("s1", first.seat);
    assert.deepEqual(left, { peers: [1, 2] });
    assert.equal(await rooms.store.leave("s1", first.seat), null, "only once");
    const next = await seated(rooms.second, "s4", { capacity: 3, resume: first.seat.resume });
    assert.equal(next.seat.index, 0);
    assert.equal(next.outcome, "new", "a token given up reclaims nothing");
    assert.notEqual(next.seat.resume, first.seat.resume);
    assert.deepEqual(await rooms.store.leave("s4", next.seat), { peers: [1, 2] });
    assert.equal((await rooms.store.status(ROOM)).members, 2);
  });

  test("the last member leaving empties the room", async () => {
    await using rooms = await open();
    const first = await seated(rooms.store, "s1");
    assert.equal(await rooms.second.roomCount(), 1);
    assert.deepEqual(await rooms.store.leave("s1", first.seat), { peers: [] });
    assert.equal(await rooms.store.roomCount(), 0);
    assert.equal(await rooms.second.roomCount(), 0);
  });

  test("an away member's seat is held for its resume token only", async () => {
    await using rooms = await open();
    const first = await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    assert.deepEqual(await rooms.store.disconnect("s1", first.seat), { peers: [1] });
    assert.equal(await rooms.store.disconnect("s1", first.seat), null, "only once");
    assert.deepEqual(await refused(rooms.second, "s3"), FULL);
    assert.deepEqual(await refused(rooms.second, "s3", "guessed-token"), FULL);
    assert.deepEqual(await rooms.store.status(ROOM, first.seat.resume), {
      members: 2,
      yours: true,
    });
    const back = await rooms.second.join("s4", {
      room: ROOM,
      session: "reloaded",
      resume: first.seat.resume,
      capacity: 2,
    });
    assert.ok(back.ok);
    assert.deepEqual(
      [back.seat.index, back.seat.resume, back.seat.session, back.outcome, back.replacedSocketId],
      [0, first.seat.resume, "reloaded", "resumed", null],
    );
    assert.equal(back.previousSession, "session-s1", "it says whose page had the seat");
    assert.deepEqual(back.peers, [{ index: 1, session: "session-s2" }]);
  });

  test("resuming from a new socket names the socket it replaces; the old one holds nothing", async () => {
    await using rooms = await open();
    const first = await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    const moved = await seated(rooms.second, "s1b", { resume: first.seat.resume });
    assert.equal(moved.replacedSocketId, "s1");
    assert.equal(moved.outcome, "resumed");
    assert.equal(await rooms.store.disconnect("s1", first.seat), null);
    assert.equal(await rooms.store.leave("s1", first.seat), null);
    assert.equal((await rooms.store.status(ROOM)).members, 2);
  });

  test("a held seat expires when the grace period is over, not before", async () => {
    await using rooms = await open({ graceMs: 30_000 });
    const first = await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    await rooms.store.disconnect("s1", first.seat);
    await rooms.advance(29_999);
    assert.deepEqual(rooms.expired, [], "still held 1 ms before the grace period ends");
    await rooms.advance(1);
    assert.deepEqual(rooms.expired, [
      { roomId: ROOM, index: 0, session: "session-s1", peers: [1] },
    ]);
    assert.equal((await rooms.store.status(ROOM)).members, 1);
    // The seat is free: the old token gets a fresh seat, and is told its old one expired.
    const late = await seated(rooms.second, "s3", { resume: first.seat.resume });
    assert.notEqual(late.seat.resume, first.seat.resume);
    assert.equal(late.outcome, "expired");
  });

  test("a seat taken back in time does not expire", async () => {
    await using rooms = await open({ graceMs: 30 });
    const first = await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    await rooms.store.disconnect("s1", first.seat);
    await rooms.advance(29);
    await seated(rooms.second, "s1b", { resume: first.seat.resume });
    await rooms.advance(1000);
    assert.deepEqual(rooms.expired, []);
    assert.equal((await rooms.store.status(ROOM)).members, 2);
  });

  test("the last member's seat expiring empties the room", async () => {
    await using rooms = await open({ graceMs: 10 });
    const first = await seated(rooms.store, "s1");
    await rooms.store.disconnect("s1", first.seat);
    await rooms.advance(10);
    assert.deepEqual(rooms.expired, [
      { roomId: ROOM, index: 0, session: "session-s1", peers: [] },
    ]);
    assert.equal(await rooms.store.roomCount(), 0);
  });

  test("a token's seat is resumed, new or expired; expired in its own room only, once", async () => {
    await using rooms = await open({ graceMs: 1000 });
    const first = await seated(rooms.store, "s1");
    const second = await seated(rooms.store, "s2");
    await rooms.store.disconnect("s2", second.seat);
    const again = await seated(rooms.store, "s2b", { resume: second.seat.resume });
    assert.equal(again.outcome, "resumed");
    // A token this store never gave (a server restarted since, say) is a plain new seat.
    const stranger = await seated(rooms.store, "s3", {
      room: OTHER_ROOM,
      resume: "from-another-server",
    });
    assert.equal(stranger.outcome, "new");
    await rooms.store.leave("s3", stranger.seat);
    await rooms.store.disconnect("s1", first.seat);
    await rooms.store.disconnect("s2b", again.seat);
    await rooms.advance(1000);
    assert.equal(rooms.expired.length, 2);
    const elsewhere = await seated(rooms.store, "s4", {
      room: OTHER_ROOM,
      resume: first.seat.resume,
    });
    assert.equal(elsewhere.outcome, "new", "an expired token names its own room only");
    const late = await seated(rooms.second, "s5", { resume: second.seat.resume });
    assert.equal(late.outcome, "expired");
    await rooms.store.leave("s5", late.seat);
    assert.equal((await seated(rooms.store, "s6", { resume: second.seat.resume })).outcome, "new");
  });

  test("expired tokens are remembered for 15 minutes, then forgotten", async () => {
    await using rooms = await open({ graceMs: 1000 });
    const first = await seated(rooms.store, "s1");
    const second = await seated(rooms.store, "s2", { room: OTHER_ROOM });
    await rooms.store.disconnect("s1", first.seat);
    await rooms.store.disconnect("s2", second.seat);
    await rooms.advance(1000);
    await rooms.advance(SEAT_RULES.expiredMemoryMs - 1);
    const kept = await seated(rooms.store, "s3", { room: OTHER_ROOM, resume: second.seat.resume });
    assert.equal(kept.outcome, "expired", "still remembered 1 ms before");
    await rooms.advance(1);
    assert.equal((await seated(rooms.store, "s4", { resume: first.seat.resume })).outcome, "new");
    assert.equal(await rooms.expiredRemembered(), 0);
  });

  test("at most so many expired tokens are remembered, the oldest forgotten first", async () => {
    await using rooms = await open({ graceMs: 10, expiredMemoryEntries: 5 });
    const tokens: string[] = [];
    for (let i = 0; i < 8; i++) {
      const seat = await seated(rooms.store, `s${i}`, { room: `room-flood-${i}-aaaaaaaa` });
      tokens.push(seat.seat.resume);
      await rooms.store.disconnect(`s${i}`, seat.seat);
      await rooms.advance(10);
    }
    assert.equal(rooms.expired.length, 8);
    assert.equal(await rooms.expiredRemembered(), 5);
    const outcomes = [];
    for (let i = 0; i < 8; i++) {
      const back = await seated(rooms.store, `b${i}`, {
        room: `room-flood-${i}-aaaaaaaa`,
        resume: tokens[i],
      });
      outcomes.push(back.outcome);
    }
    assert.deepEqual(outcomes, [
      "new",
      "new",
      "new",
      "expired",
      "expired",
      "expired",
      "expired",
      "expired",
    ]);
  });

  test("members racing for rooms of 2, 3 and 4 seats through two handles: never one too many", async () => {
    await using rooms = await open();
    const rounds = [2, 3, 4].flatMap((capacity) =>
      Array.from({ length: 10 }, (_, i) => ({ capacity, room: `room-race-${capacity}-${i}-aaaa` }))
    );
    const results = await Promise.all(
      rounds.flatMap(({ capacity, room }) =>
        Array.from({ length: capacity * 2 + 1 }, (_, i) =>
          (i % 2 ? rooms.second : rooms.store)
            .join(`${room}-${i}`, { room, session: `${i}`, capacity })
            .then((outcome) => ({ room, capacity, outcome })))
      ),
    );
    for (const { capacity, room } of rounds) {
      const mine = results.filter((r) => r.room === room);
      const seats = mine.flatMap((r) => r.outcome.ok ? [r.outcome.seat.index] : []).sort();
      assert.deepEqual(seats, Array.from({ length: capacity }, (_, i) => i), room);
      for (const r of mine) if (!r.outcome.ok) assert.equal(r.outcome.reason, "room-full");
    }
    assert.equal(await rooms.store.roomCount(), rounds.length);
  });

  test("close cancels pending expiries", async () => {
    await using rooms = await open({ graceMs: 10 });
    const first = await seated(rooms.store, "s1");
    await seated(rooms.store, "s2");
    await rooms.store.disconnect("s1", first.seat);
    await rooms.store.close();
    if (rooms.second !== rooms.store) await rooms.second.close();
    await rooms.advance(50);
    assert.deepEqual(rooms.expired, []);
  });
}

if (redis) {
  Deno.test({
    name: "room store tests stop their redis-server",
    // Last in the file: the Redis harnesses above are done.
    fn: () => redis.stop(),
  });
}
