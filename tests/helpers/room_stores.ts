/**
 * Test helpers: the two room stores on simulated time, each with a second handle on the same
 * rooms, for the contract of `tests/server/room_store_test.ts`.
 *
 * @module
 */
import { SimulatedClock } from "xstate";
import { randomToken } from "../../protocol/signaling.ts";
import { MemoryRoomStore } from "../../server/memory_rooms.ts";
import { redisClient, RedisRoomStore } from "../../server/redis_rooms.ts";
import type { RoomStore, SeatExpiry, StoreHooks } from "../../server/room_store.ts";
import { missing, type Redis, redisUnavailable, startRedis } from "./redis.ts";

/** A store on simulated time, a second handle on the same rooms, and what they reported. */
export interface Harness {
  store: RoomStore;
  /** The same rooms seen from another instance (Redis), or the same store (memory). */
  second: RoomStore;
  /** Every expiry reported, by either handle. */
  expired: SeatExpiry[];
  /** Moves time on and lets the stores act on it. */
  advance(ms: number): Promise<void>;
  expiredRemembered(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface HarnessOptions {
  graceMs?: number;
  expiredMemoryEntries?: number;
}

function memoryHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new SimulatedClock();
  const expired: SeatExpiry[] = [];
  const store = new MemoryRoomStore({
    graceMs: options.graceMs ?? 60_000,
    expiredMemoryEntries: options.expiredMemoryEntries,
    onExpire: (expiry) => expired.push(expiry),
    clock,
  });
  return Promise.resolve({
    store,
    second: store,
    expired,
    advance: (ms) => Promise.resolve(clock.increment(ms)),
    expiredRemembered: () => Promise.resolve(store.expiredRemembered),
    [Symbol.asyncDispose]: () => store.close(),
  });
}

async function redisHarness(redis: Redis, options: HarnessOptions = {}): Promise<Harness> {
  const time = { now: 1_000_000 };
  const clock = { now: () => time.now };
  const expired: SeatExpiry[] = [];
  // A prefix of its own per test: the tests share one redis-server.
  const prefix = `test-${randomToken(6)}:`;
  const open = async (instance: string) => {
    const client = redisClient(redis.url, instance);
    await client.connect();
    const hooks: StoreHooks = {
      onExpire: (expiry) => expired.push(expiry),
      onPeerAway: () => {},
      localSeats: () => [],
      onSeatLost: () => {},
    };
    const store = new RedisRoomStore(client, {
      ...hooks,
      instance,
      graceMs: options.graceMs ?? 60_000,
      expiredMemoryEntries: options.expiredMemoryEntries,
      clock,
      prefix,
    });
    await store.beat();
    return store;
  };
  const store = await open("one");
  const second = await open("two");
  return {
    store,
    second,
    expired,
    async advance(ms) {
      time.now += ms;
      await store.beat();
      await second.beat();
    },
    expiredRemembered: () => store.expiredRemembered(),
    async [Symbol.asyncDispose]() {
      await store.close();
      await second.close();
    },
  };
}

/**
 * The stores to hold to the contract: memory, and Redis on a redis-server of the file's own
 * (`redis`, to stop after the last test) unless it cannot run here (outside CI).
 */
export async function storeHarnesses(): Promise<{
  stores: { name: string; open: (options?: HarnessOptions) => Promise<Harness> }[];
  redis: Redis | null;
}> {
  const redis = missing(await redisUnavailable()) ? null : await startRedis();
  return {
    stores: [
      { name: "memory", open: memoryHarness },
      ...(redis ? [{ name: "redis", open: (o?: HarnessOptions) => redisHarness(redis, o) }] : []),
    ],
    redis,
  };
}
