/**
 * Redis's memory as an attacker would use it, against a real redis-server: an evicting
 * `maxmemory-policy` (junk evicting a room lets a stranger into someone's seat), a full Redis, a
 * paused one, and a flood of expired seats whose tokens are remembered for 15 minutes.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createClient } from "redis";
import type { Socket } from "socket.io-client";
import { type JoinAck, newRoomId, randomToken } from "../../protocol/signaling.ts";
import { redisClient, RedisRoomStore } from "../../server/redis_rooms.ts";
import { SEAT_RULES } from "../../server/room_store.ts";
import { missing, redisUnavailable, startInstances, startRedis } from "../helpers/redis.ts";
import { ClientGroup, emitWithAck, startServer } from "../helpers/server.ts";
import { CLUSTER_ENV } from "../helpers/redis.ts";

const skip = missing(await redisUnavailable());

function join(socket: Socket, room: string): Promise<JoinAck> {
  return emitWithAck<JoinAck>(socket, "join", { room, session: randomToken(9) });
}

function code(ack: JoinAck): string {
  return ack.ok ? "ok" : ack.error.code;
}

async function readyz(url: string): Promise<{ status: number; reason: string }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, reason: await response.text() };
}

/** Polls `check` every 100 ms until it holds. */
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

/** A plain node-redis client on `url`, for the attacker's and the operator's commands. */
async function admin(url: string) {
  const client = createClient({ url });
  await client.connect();
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

Deno.test({ name: "redis memory: an evicting policy is refused", ignore: skip }, async (t) => {
  for (const policy of ["allkeys-lru", "volatile-lru"]) {
    await t.step(`at startup: ${policy} stops Parley with one line and exit 1`, async () => {
      await using redis = await startRedis(["--maxmemory", "64mb", "--maxmemory-policy", policy]);
      const error = await startServer({ env: { ...CLUSTER_ENV, REDIS_URL: redis.url } }).then(
        () => null,
        (e: Error) => e.message,
      );
      assert.ok(error, "the server must not start");
      assert.match(error, /exited with code 1/);
      const said = error.split("\n").filter((line) => line.startsWith("Parley:"));
      assert.equal(said.length, 1, error);
      assert.match(said[0], new RegExp(`maxmemory-policy is ${policy}.*noeviction`));
    });
  }

  await t.step("at run time: junk joins cannot evict a room into a stranger's hands", async () => {
    await using redis = await startRedis(["--maxmemory", "64mb"]);
    const [one] = await startInstances(redis, 1);
    await using _one = one;
    await using group = new ClientGroup(one.url);
    await using redisAdmin = await admin(redis.url);
    const room = newRoomId();
    assert.equal(code(await join(await group.connect(), room)), "ok");
    assert.equal(code(await join(await group.connect(), room)), "ok");
    // The operator (or an attacker with access) switches Redis to evicting, with little room.
    await redisAdmin.configSet({ "maxmemory-policy": "allkeys-lru" });
    const refused = await until(
      async () => (await readyz(one.url)).status === 503,
      5000,
      "/readyz fails",
    );
    const { reason } = await readyz(one.url);
    console.log(`  [evicting] /readyz 503 after ${refused.toFixed(0)} ms: ${reason}`);
    assert.match(reason, /maxmemory-policy is allkeys-lru/);
    const used = Number(/used_memory:(\d+)/.exec(await redisAdmin.info("memory"))![1]);
    await redisAdmin.configSet({ maxmemory: String(used + 200_000) });
    // 2,000 junk joins in made-up rooms: every one is refused, none takes memory.
    const junk = await Promise.all(Array.from({ length: 20 }, () => group.connect()));
    const answers = await Promise.all(
      Array.from(
        { length: 2000 },
        (_, i) => join(junk[i % junk.length], newRoomId()).catch(() => null),
      ),
    );
    const codes = new Set(answers.map((ack) => ack ? code(ack) : "no answer"));
    console.log(`  [evicting] 2000 junk joins answered: ${[...codes].join(", ")}`);
    assert.ok(![...codes].includes("ok"), "no junk join is seated");
    // A third person is not let in, and once the policy is put right the room is still full.
    assert.equal(code(await join(await group.connect(), room)), "unavailable");
    await redisAdmin.configSet({ "maxmemory-policy": "noeviction", maxmemory: "64mb" });
    await until(async () => (await readyz(one.url)).status === 200, 5000, "/readyz back");
    assert.equal(code(await join(await group.connect(), room)), "room-full");
  });
});

Deno.test(
  { name: "redis memory: full or paused, /readyz says 503 while joins fail", ignore: skip },
  async (t) => {
    await using redis = await startRedis([
      "--maxmemory",
      "64mb",
      "--maxmemory-policy",
      "noeviction",
    ]);
    const [one] = await startInstances(redis, 1);
    await using _one = one;
    await using group = new ClientGroup(one.url);
    await using redisAdmin = await admin(redis.url);

    await t.step("full (out of memory): refused, then back when there is room", async () => {
      // Junk written straight into Redis, then a memory limit below what it holds: Redis refuses
      // every write that may grow it (noeviction) until there is room again.
      const blob = "x".repeat(10_000);
      for (let i = 0; i < 200; i++) await redisAdmin.set(`junk:${i}`, blob);
      const used = Number(/used_memory:(\d+)/.exec(await redisAdmin.info("memory"))![1]);
      await redisAdmin.configSet({ maxmemory: String(used - 1_000_000) });
      const took = await until(async () => (await readyz(one.url)).status === 503, 5000, "503");
      const { reason } = await readyz(one.url);
      console.log(`  [full] /readyz 503 after ${took.toFixed(0)} ms: ${reason}`);
      assert.match(reason, /out of memory/);
      assert.equal(code(await join(await group.connect(), newRoomId())), "unavailable");
      await redisAdmin.configSet({ maxmemory: "64mb" });
      await until(async () => (await readyz(one.url)).status === 200, 5000, "/readyz back");
      assert.equal(code(await join(await group.connect(), newRoomId())), "ok");
    });

    await t.step("paused: refused while paused, back after", async () => {
      await redisAdmin.sendCommand(["CLIENT", "PAUSE", "6000", "ALL"]);
      const started = performance.now();
      const took = await until(async () => (await readyz(one.url)).status === 503, 5000, "503");
      console.log(
        `  [paused] /readyz 503 after ${took.toFixed(0)} ms: ${(await readyz(one.url)).reason}`,
      );
      assert.equal(code(await join(await group.connect(), newRoomId())), "unavailable");
      assert.ok(performance.now() - started < 6000, "all of it while Redis was still paused");
      await until(async () => (await readyz(one.url)).status === 200, 10_000, "/readyz back");
      assert.equal(code(await join(await group.connect(), newRoomId())), "ok");
    });
  },
);

Deno.test({
  name: "redis memory: a flood of expired seats is remembered within a bound",
  ignore: skip,
}, async () => {
  await using redis = await startRedis();
  await using redisAdmin = await admin(redis.url);
  const time = { now: 1_000_000 };
  const client = redisClient(redis.url, "flood");
  await client.connect();
  const store = new RedisRoomStore(client, {
    instance: "flood",
    graceMs: 1000,
    clock: { now: () => time.now },
    onExpire: () => {},
    onPeerAway: () => {},
    localSeats: () => [],
    onSeatLost: () => {},
  });
  await store.beat();
  const memory = async () => Number(/used_memory:(\d+)/.exec(await redisAdmin.info("memory"))![1]);
  const before = await memory();
  // 15,000 seats taken and dropped, their tokens remembered as they expire.
  const flood = SEAT_RULES.expiredMemoryEntries * 1.5;
  for (let start = 0; start < flood; start += 500) {
    await Promise.all(Array.from({ length: 500 }, async (_, i) => {
      const id = `flood-${start + i}`;
      const joined = await store.join(id, {
        room: `room-${id}-aaaaaaaa`,
        session: id,
        capacity: 2,
      });
      assert.ok(joined.ok);
      await store.disconnect(id, joined.seat);
    }));
    time.now += 1000;
    await store.beat();
  }
  const remembered = await store.expiredRemembered();
  const grown = (await memory()) - before;
  console.log(
    `  [expired flood] ${flood} expiries: ${remembered} tokens remembered, Redis +${
      (grown / 1e6).toFixed(1)
    } MB`,
  );
  assert.equal(remembered, SEAT_RULES.expiredMemoryEntries);
  assert.ok(grown < 5_000_000, `Redis grew by ${grown} bytes`);
  assert.equal(await store.roomCount(), 0, "every flooded room is gone");
  time.now += SEAT_RULES.expiredMemoryMs;
  for (let i = 0; i < 11; i++) await store.beat();
  assert.equal(await store.expiredRemembered(), 0, "forgotten after 15 minutes");
  await store.close();
});
