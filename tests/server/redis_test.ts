/**
 * Many instances on one Redis, with raw Socket.IO clients: people on two instances meet, seats are
 * claimed atomically, a dead instance's seats come back, a Redis outage refuses joins clearly and
 * leaves nothing stuck, and the operator's endpoints (/readyz, /metrics, SIGTERM) tell the truth.
 *
 * Real redis-server and real server subprocesses; on CI a missing redis-server fails the suite.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type IncomingSignal,
  type JoinAck,
  type Joined,
  newRoomId,
  randomToken,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import { missing, redisUnavailable, startInstances, startRedis } from "../helpers/redis.ts";
import {
  ClientGroup,
  closeClient,
  connectClient,
  emitWithAck,
  metricsUrl,
  nextEvent,
} from "../helpers/server.ts";

const offer: SignalMessage = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
};
const skip = missing(await redisUnavailable());

function join(socket: Socket, room: string, extra: Record<string, unknown> = {}): Promise<JoinAck> {
  return emitWithAck<JoinAck>(socket, "join", { room, session: randomToken(9), ...extra });
}

async function joined(socket: Socket, room: string, extra: Record<string, unknown> = {}) {
  const ack = await join(socket, room, extra);
  assert.equal(ack.ok, true, `join failed: ${JSON.stringify(ack)}`);
  return ack as { ok: true } & Joined;
}

function errorCode(ack: JoinAck): string | undefined {
  return ack.ok ? undefined : ack.error.code;
}

async function assertRelays(from: Socket, to: Socket) {
  const received = nextEvent<IncomingSignal>(to, "signal", 5000);
  assert.deepEqual(await emitWithAck(from, "signal", offer), { ok: true });
  const { from: sender, ...message } = await received;
  assert.deepEqual(message, offer);
  assert.equal(typeof sender, "string", "it says whom it is from");
}

/** Polls `check` every 100 ms until it holds; returns how long that took. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const started = performance.now();
  while (!await check().catch(() => false)) {
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - started;
}

const status = (url: string, path: string) =>
  fetch(`${url}${path}`).then(async (response) => {
    await response.body?.cancel();
    return response.status;
  });

Deno.test({ name: "redis: two instances share rooms", ignore: skip }, async (t) => {
  await using redis = await startRedis();
  const [one, two] = await startInstances(redis, 2, { env: { SEAT_GRACE_SECONDS: "2" } });
  await using _one = one;
  await using _two = two;
  await using onOne = new ClientGroup(one.url);
  await using onTwo = new ClientGroup(two.url);

  await t.step(
    "a member on each instance meets the other; a third is told the room is full",
    async () => {
      const room = newRoomId();
      const a = await onOne.connect();
      const b = await onTwo.connect();
      const sessionA = randomToken(9);
      const ackA = await joined(a, room, { session: sessionA });
      const arrived = nextEvent<{ session: string }>(a, "peer-joined", 5000);
      const ackB = await joined(b, room);
      assert.notEqual(ackA.place, ackB.place);
      assert.equal(ackB.peers.length, 1, "the second member is told the first is there");
      assert.ok((await arrived).session, "the first member hears of the second across instances");
      await assertRelays(a, b);
      await assertRelays(b, a);
      for (const group of [onOne, onTwo]) {
        const third = await group.connect();
        const ack = await join(third, room);
        assert.equal(errorCode(ack), "room-full");
        assert.match(!ack.ok ? ack.error.message : "", /full/);
      }
      // Hanging up on one instance frees the seat for a newcomer on the other.
      const left = nextEvent(b, "peer-left", 5000);
      assert.deepEqual(await emitWithAck(a, "leave"), { ok: true });
      assert.deepEqual(await left, { session: sessionA, reason: "hang-up" });
      await joined(await onTwo.connect(), room);
    },
  );

  await t.step("200 rooms raced by three clients across both instances: never three", async () => {
    const rooms = Array.from({ length: 200 }, () => newRoomId());
    const racers = await Promise.all(
      rooms.flatMap((room, i) =>
        [onOne, onTwo, i % 2 ? onOne : onTwo].map(async (group) => ({
          room,
          socket: await group.connect(),
        }))
      ),
    );
    const acks = await Promise.all(racers.map(({ room, socket }) => join(socket, room)));
    const seated = new Map<string, number[]>();
    acks.forEach((ack, i) => {
      if (ack.ok) seated.set(racers[i].room, [...seated.get(racers[i].room) ?? [], ack.place]);
      else assert.equal(errorCode(ack), "room-full");
    });
    const counts = rooms.map((room) => seated.get(room)?.length ?? 0);
    console.log(`  [race] rooms=${rooms.length} seated=${counts.reduce((a, b) => a + b)}`);
    assert.deepEqual(new Set(counts), new Set([2]), "every room has exactly two members");
    for (const places of seated.values()) assert.deepEqual(places.sort(), [0, 1]);
    await Promise.all(racers.map(({ socket }) => closeClient(socket)));
  });

  await t.step(
    "a held seat expires on Redis's clock: the peer is told, the token says expired",
    async () => {
      const room = newRoomId();
      const a = await onOne.connect();
      const b = await onTwo.connect();
      const sessionA = randomToken(9);
      const ackA = await joined(a, room, { session: sessionA });
      await joined(b, room);
      const away = nextEvent(b, "peer-away", 5000);
      await closeClient(a);
      assert.equal((await away as { reason: string }).reason, "closed");
      assert.deepEqual(await nextEvent(b, "peer-left", 6000), {
        session: sessionA,
        reason: "timeout",
      });
      const again = await joined(await onTwo.connect(), room, { resume: ackA.resume });
      assert.equal(again.seat, "expired");
    },
  );
});

Deno.test({ name: "redis: an instance killed mid-call", ignore: skip }, async () => {
  await using redis = await startRedis();
  const [one, two] = await startInstances(redis, 2);
  await using _two = two;
  await using onOne = new ClientGroup(one.url);
  await using onTwo = new ClientGroup(two.url);
  const room = newRoomId();
  const a = await onOne.connect();
  const b = await onOne.connect();
  const sessionA = randomToken(9), sessionB = randomToken(9);
  const ackA = await joined(a, room, { session: sessionA });
  const ackB = await joined(b, room, { session: sessionB });
  await one.kill();
  const started = performance.now();
  // Its seats are held for their tokens: a newcomer on the surviving instance finds the room full.
  assert.equal(errorCode(await join(await onTwo.connect(), room)), "room-full");
  const a2 = await onTwo.connect();
  const b2 = await onTwo.connect();
  const backA = await joined(a2, room, { session: sessionA, resume: ackA.resume });
  const backB = await joined(b2, room, { session: sessionB, resume: ackB.resume });
  console.log(`  [sigkill] both seats back after ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(backA.seat, "resumed");
  assert.equal(backB.seat, "resumed");
  assert.equal(backA.place, ackA.place);
  await assertRelays(a2, b2);
  await assertRelays(b2, a2);
});

Deno.test({
  name: "redis: an instance starved of CPU for 4 s is busy, not broken: it seats the next join",
  ignore: skip,
}, async () => {
  await using redis = await startRedis();
  const [one] = await startInstances(redis, 1);
  await using _one = one;
  await using group = new ClientGroup(one.url);
  const socket = await group.connect();
  // Stopped as a starved process is (no CPU, its timers late), while Redis answers all along.
  Deno.kill(one.pid, "SIGSTOP");
  await new Promise((resolve) => setTimeout(resolve, 4000));
  Deno.kill(one.pid, "SIGCONT");
  const ack = await join(socket, newRoomId());
  assert.equal(errorCode(ack), undefined, `seated at once: ${JSON.stringify(ack)}`);
  assert.equal(await status(one.url, "/readyz"), 200);
});

Deno.test({ name: "redis: Redis stopped mid-call and started again", ignore: skip }, async () => {
  await using redis = await startRedis();
  const [one, two] = await startInstances(redis, 2, { env: { SEAT_GRACE_SECONDS: "1" } });
  await using _one = one;
  await using _two = two;
  await using onOne = new ClientGroup(one.url);
  await using onTwo = new ClientGroup(two.url);
  const room = newRoomId();
  const a = await onOne.connect();
  const b = await onTwo.connect();
  await joined(a, room);
  await joined(b, room);
  // A second call whose member hangs up during the outage: its room must not stay full.
  const other = newRoomId();
  const c = await onOne.connect();
  const d = await onTwo.connect();
  await joined(c, other);
  await joined(d, other);

  await redis.stop();
  const down = await until(
    async () => await status(one.url, "/readyz") === 503,
    5000,
    "readyz fails",
  );
  console.log(`  [redis down] /readyz 503 after ${down.toFixed(0)} ms`);
  assert.equal(await status(one.url, "/healthz"), 200, "the process is still alive");
  const refused = await join(await onTwo.connect(), newRoomId());
  assert.equal(errorCode(refused), "unavailable");
  assert.match(!refused.ok ? refused.error.message : "", /try again/);
  assert.ok(a.connected && b.connected, "calls in progress keep their connections");
  await closeClient(c);

  await redis.start();
  const up = await until(async () => await status(two.url, "/readyz") === 200, 10_000, "readyz");
  console.log(`  [redis back] /readyz 200 after ${up.toFixed(0)} ms`);
  // The call in progress has its seats again (Redis came back empty): a newcomer is turned away,
  // and the two still reach each other across instances.
  await until(
    async () => errorCode(await join(await onOne.connect(), room)) === "room-full",
    5000,
    "the call's seats are written back",
  );
  await assertRelays(a, b);
  // The member who left during the outage: its seat was held and expired, nobody is stuck.
  await until(
    async () => (await join(await onTwo.connect(), other)).ok,
    5000,
    "the room of the member gone during the outage takes a newcomer",
  );
  const fresh = newRoomId();
  await joined(await onOne.connect(), fresh);
  await joined(await onTwo.connect(), fresh);
});

/** Parses Prometheus text format into `name{labels}` → value; throws on a malformed line. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") typed.add(comment[2]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (\S+)$/
      .exec(line);
    assert.ok(sample, `not Prometheus text: ${line}`);
    const base = sample[1].replace(/_(bucket|sum|count)$/, "");
    assert.ok(typed.has(sample[1]) || typed.has(base), `no TYPE for ${sample[1]}`);
    values.set(sample[1] + (sample[2] ?? ""), Number(sample[3]));
  }
  return values;
}

Deno.test({ name: "redis: /metrics moves with a call; SIGTERM drains", ignore: skip }, async () => {
  await using redis = await startRedis();
  const [one, two] = await startInstances(redis, 2, { env: { SHUTDOWN_GRACE_SECONDS: "5" } });
  await using _two = two;
  const scrape = async () => parseMetrics(await (await fetch(metricsUrl(one))).text());
  const before = await scrape();
  assert.equal(before.get('parley_info{store="redis"}'), 1);
  for (const name of before.keys()) {
    assert.doesNotMatch(name, /room=|session|address|ip=/, "no ids or addresses in labels");
  }
  const a = await connectClient(one.url);
  const b = await connectClient(one.url);
  const room = newRoomId();
  const ackA = await joined(a, room);
  const ackB = await joined(b, room);
  await assertRelays(a, b);
  const after = await scrape();
  const moved = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  assert.equal(moved('parley_joins_total{outcome="new"}'), 2);
  assert.equal(moved("parley_signals_relayed_total"), 1);
  assert.equal(after.get("parley_connections"), 2);
  assert.equal(after.get("parley_rooms"), 1);
  const second = parseMetrics(await (await fetch(metricsUrl(two))).text());
  assert.equal(second.get("parley_rooms"), 1, "every instance counts every room");
  assert.ok((after.get("parley_event_loop_lag_seconds") ?? -1) >= 0);

  // SIGTERM: both clients are told to move (their transport closes), the process exits well
  // within its grace, and they take their seats back on the other instance.
  const reasons = [a, b].map((s) =>
    new Promise<string>((resolve) => s.once("disconnect", resolve))
  );
  const started = performance.now();
  Deno.kill(one.pid, "SIGTERM");
  assert.deepEqual(await Promise.all(reasons), ["transport close", "transport close"]);
  const status = await one.exited;
  const drainedMs = performance.now() - started;
  console.log(`  [sigterm] exited ${status.code} after ${drainedMs.toFixed(0)} ms`);
  assert.equal(status.code, 0);
  assert.ok(drainedMs < 5000, "exits before SHUTDOWN_GRACE_SECONDS");
  assert.match(one.output(), /"event":"drain.done"/);
  await using onTwo = new ClientGroup(two.url);
  const backA = await joined(await onTwo.connect(), room, { resume: ackA.resume });
  const backB = await joined(await onTwo.connect(), room, { resume: ackB.resume });
  assert.deepEqual([backA.seat, backB.seat], ["resumed", "resumed"]);
  await closeClient(a);
  await closeClient(b);
});
