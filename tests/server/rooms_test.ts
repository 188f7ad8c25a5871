import assert from "node:assert/strict";
import { SimulatedClock } from "xstate";
import { RoomRegistry, type Seat } from "../../server/rooms.ts";

const ROOM = "room-aaaaaaaaaaaa";
const OTHER_ROOM = "room-bbbbbbbbbbbb";

/**
 * A registry on simulated time (`rooms.clock.increment(ms)`), with a long grace period unless
 * told otherwise, closed (timers cancelled) when disposed.
 */
function registry(
  options: { graceMs?: number; onExpire?: (room: string, peer: Seat | null) => void } = {},
) {
  const clock = new SimulatedClock();
  const rooms = new RoomRegistry({
    graceMs: options.graceMs ?? 60_000,
    onExpire: options.onExpire,
    clock,
  });
  return Object.assign(rooms, { clock, [Symbol.dispose]: () => rooms.close() });
}

function seated(rooms: RoomRegistry, socketId: string, room = ROOM, resume?: string) {
  const outcome = rooms.join(socketId, { room, session: `session-${socketId}`, resume });
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return outcome as Extract<typeof outcome, { ok: true }>;
}

Deno.test("RoomRegistry seats two members with different roles", () => {
  using rooms = registry();
  const first = seated(rooms, "s1");
  assert.equal(first.peer, null);
  assert.equal(first.replacedSocketId, null);
  assert.equal(first.seat.session, "session-s1");
  assert.equal(first.seat.socketId, "s1");
  const second = seated(rooms, "s2");
  assert.notEqual(second.seat.role, first.seat.role);
  assert.equal(second.peer?.session, "session-s1");
  assert.notEqual(second.seat.resume, first.seat.resume);
  assert.equal(rooms.peerOf("s1")?.socketId, "s2");
  assert.equal(rooms.peerOf("s2")?.socketId, "s1");
  assert.equal(rooms.size, 1);
});

Deno.test("RoomRegistry turns a third member away and keeps rooms apart", () => {
  using rooms = registry();
  seated(rooms, "s1");
  seated(rooms, "s2");
  assert.deepEqual(rooms.join("s3", { room: ROOM, session: "session-s3" }), {
    ok: false,
    reason: "room-full",
  });
  assert.equal(rooms.has("s3"), false);
  const elsewhere = seated(rooms, "s3", OTHER_ROOM);
  assert.equal(elsewhere.peer, null);
  assert.equal(rooms.peerOf("s3"), null);
  assert.equal(rooms.size, 2);
});

Deno.test("RoomRegistry refuses a second seat for one socket", () => {
  using rooms = registry();
  seated(rooms, "s1");
  assert.deepEqual(rooms.join("s1", { room: OTHER_ROOM, session: "session-s1" }), {
    ok: false,
    reason: "already-joined",
  });
  assert.equal(rooms.size, 1);
});

Deno.test("RoomRegistry frees a seat on leave and hands it to the next member", () => {
  using rooms = registry();
  const first = seated(rooms, "s1");
  seated(rooms, "s2");
  const left = rooms.leave("s1");
  assert.equal(left?.roomId, ROOM);
  assert.equal(left?.peer?.socketId, "s2");
  assert.equal(rooms.has("s1"), false);
  assert.equal(rooms.leave("s1"), null);
  assert.equal(rooms.peerOf("s2"), null);
  const next = seated(rooms, "s3");
  assert.equal(next.seat.role, first.seat.role);
  // A token from a seat given up no longer reclaims anything.
  assert.notEqual(next.seat.resume, first.seat.resume);
  assert.equal(rooms.leave("s2")?.peer?.socketId, "s3");
  assert.equal(rooms.leave("s3")?.peer, null);
  assert.equal(rooms.size, 0);
});

Deno.test("RoomRegistry holds an away member's seat for its resume token only", () => {
  using rooms = registry();
  const first = seated(rooms, "s1");
  seated(rooms, "s2");
  const away = rooms.disconnect("s1");
  assert.equal(away?.roomId, ROOM);
  assert.equal(away?.peer?.socketId, "s2");
  assert.equal(rooms.has("s1"), false);
  assert.equal(rooms.peerOf("s2")?.socketId, null);
  assert.equal(rooms.disconnect("s1"), null);

  assert.deepEqual(rooms.join("s3", { room: ROOM, session: "stranger" }), {
    ok: false,
    reason: "room-full",
  });
  assert.deepEqual(rooms.join("s3", { room: ROOM, session: "stranger", resume: "guessed-token" }), {
    ok: false,
    reason: "room-full",
  });

  const back = rooms.join("s4", { room: ROOM, session: "reloaded", resume: first.seat.resume });
  assert.ok(back.ok);
  assert.equal(back.seat.role, first.seat.role);
  assert.equal(back.seat.resume, first.seat.resume);
  assert.equal(back.seat.session, "reloaded");
  assert.equal(back.replacedSocketId, null);
  assert.equal(back.peer?.socketId, "s2");
  assert.equal(rooms.peerOf("s2")?.session, "reloaded");
});

Deno.test("RoomRegistry resuming from a new socket reports the socket it replaces", () => {
  using rooms = registry();
  const first = seated(rooms, "s1");
  seated(rooms, "s2");
  const moved = rooms.join("s1b", { room: ROOM, session: "session-s1", resume: first.seat.resume });
  assert.ok(moved.ok);
  assert.equal(moved.replacedSocketId, "s1");
  assert.equal(rooms.has("s1"), false);
  assert.equal(rooms.has("s1b"), true);
  // The replaced socket's later disconnect does not touch the seat.
  assert.equal(rooms.disconnect("s1"), null);
  assert.equal(rooms.peerOf("s2")?.socketId, "s1b");
});

Deno.test("RoomRegistry expires a held seat when the grace period is over, not before", () => {
  const expired: [string, Seat | null][] = [];
  using rooms = registry({ graceMs: 30_000, onExpire: (room, peer) => expired.push([room, peer]) });
  const first = seated(rooms, "s1");
  seated(rooms, "s2");
  rooms.disconnect("s1");
  rooms.clock.increment(29_999);
  assert.equal(expired.length, 0, "still held 1 ms before the grace period ends");
  rooms.clock.increment(1);
  assert.equal(expired.length, 1);
  assert.equal(expired[0][0], ROOM);
  assert.equal(expired[0][1]?.socketId, "s2");
  // The seat is free: the old token gets a fresh seat, and is told its old one expired.
  const late = seated(rooms, "s3", ROOM, first.seat.resume);
  assert.notEqual(late.seat.resume, first.seat.resume);
  assert.equal(late.outcome, "expired");
});

Deno.test("RoomRegistry says resumed, new or expired for the seat a token names", () => {
  using rooms = registry({ graceMs: 1000 });
  const first = seated(rooms, "s1");
  assert.equal(first.outcome, "new", "no token: a new seat");
  const second = seated(rooms, "s2");
  rooms.disconnect("s2");
  assert.equal(seated(rooms, "s2b", ROOM, second.seat.resume).outcome, "resumed");
  // A token this server never gave (it restarted since, say) is a plain new seat.
  assert.equal(seated(rooms, "s3", OTHER_ROOM, "from-another-server").outcome, "new");
  // An expired token names its own room only, and tells it once.
  rooms.disconnect("s1");
  rooms.clock.increment(1000);
  assert.equal(seated(rooms, "s4", OTHER_ROOM, first.seat.resume).outcome, "new");
  rooms.leave("s4");
  rooms.disconnect("s2b");
  rooms.clock.increment(1000);
  const third = seated(rooms, "s5", ROOM, second.seat.resume);
  assert.equal(third.outcome, "expired");
  rooms.leave("s5");
  assert.equal(seated(rooms, "s6", ROOM, second.seat.resume).outcome, "new");
});

Deno.test("RoomRegistry forgets expired tokens after a while", () => {
  using rooms = registry({ graceMs: 1000 });
  const first = seated(rooms, "s1");
  rooms.disconnect("s1");
  rooms.clock.increment(1000);
  rooms.clock.increment(16 * 60_000);
  assert.equal(seated(rooms, "s2", ROOM, first.seat.resume).outcome, "new");
});

Deno.test("RoomRegistry does not expire a seat taken back in time", () => {
  const expired: string[] = [];
  using rooms = registry({ graceMs: 30, onExpire: (room) => expired.push(room) });
  const first = seated(rooms, "s1");
  seated(rooms, "s2");
  rooms.disconnect("s1");
  rooms.clock.increment(29);
  seated(rooms, "s1b", ROOM, first.seat.resume);
  rooms.clock.increment(1000);
  assert.deepEqual(expired, []);
  assert.equal(rooms.peerOf("s2")?.socketId, "s1b");
});

Deno.test("RoomRegistry empties a room whose last member's seat expires", () => {
  const expired: [string, Seat | null][] = [];
  using rooms = registry({ graceMs: 10, onExpire: (room, peer) => expired.push([room, peer]) });
  seated(rooms, "s1");
  rooms.disconnect("s1");
  rooms.clock.increment(10);
  assert.deepEqual(expired, [[ROOM, null]]);
  assert.equal(rooms.size, 0);
});

Deno.test("RoomRegistry.close cancels pending expiries", () => {
  const expired: string[] = [];
  const clock = new SimulatedClock();
  const rooms = new RoomRegistry({ graceMs: 10, onExpire: (room) => expired.push(room), clock });
  seated(rooms, "s1");
  seated(rooms, "s2");
  rooms.disconnect("s1");
  rooms.close();
  clock.increment(50);
  assert.deepEqual(expired, []);
});
