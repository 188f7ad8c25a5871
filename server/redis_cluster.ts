/**
 * Many instances on one Redis (`REDIS_URL`): Socket.IO's Redis adapter carries messages to a
 * member connected to another instance, and {@linkcode RedisRoomStore} keeps the rooms.
 *
 * Three connections per instance: commands (the room scripts), publish and subscribe (the
 * adapter). The classic adapter (Redis pub/sub) was chosen over the streams adapter: signaling
 * that missed its moment is useless (a stale offer or candidate confuses a negotiation that has
 * moved on), and the client already recovers by rejoining with its resume token and restarting
 * ICE, so replaying a stream after an outage would buy nothing and cost a stream per namespace
 * and reads on every instance. Pub/sub delivers at most once, with no backlog to bound.
 *
 * @module
 */
import { createAdapter } from "@socket.io/redis-adapter";
import type { ServerOptions } from "socket.io";
import { log } from "./log.ts";
import { evictionProblem, memoryInfo, type RedisClient, redisClient } from "./redis_client.ts";
import { RedisRoomStore } from "./redis_rooms.ts";
import type { RoomStore, StoreHooks } from "./room_store.ts";

/** The adapter and the room store of an instance on Redis. */
export interface RedisCluster {
  adapter: ServerOptions["adapter"];
  store: (hooks: StoreHooks) => RoomStore;
  /**
   * Why this Redis must not keep Parley's rooms (an evicting `maxmemory-policy`), when it was
   * reachable at startup; the server refuses to start then.
   */
  refusal: string | null;
  /** Closes the adapter's connections (the store closes its own). */
  close(): Promise<void>;
}

/** Connects to `url` (or keeps trying in the background while Redis is away). */
export async function connectRedis(
  url: string,
  options: { instance: string; graceMs: number },
): Promise<RedisCluster> {
  const pub = redisClient(url, "publish");
  // The subscriber keeps its subscriptions across reconnections, so it queues them while away.
  const sub = redisClient(url, "subscribe", { queueWhileAway: true });
  const commands = redisClient(url, "commands");
  muffle(pub);
  await Promise.all([pub, sub, commands].map((client) =>
    client.connect().catch((error: Error) => {
      log("warn", "redis.unreachable", { error: error.message });
    })
  ));
  const refusal = commands.isReady
    ? await memoryInfo(commands).then(evictionProblem, () => null)
    : null;
  let store: RedisRoomStore | null = null;
  return {
    refusal,
    adapter: createAdapter(pub, sub),
    store: (hooks) => {
      store = new RedisRoomStore(commands, { ...options, ...hooks });
      store.start();
      return store;
    },
    async close() {
      await Promise.all([pub, sub, commands].map((client) => client.close().catch(() => {})));
      void store;
    },
  };
}

/**
 * The adapter publishes without waiting for the answer; while Redis is away each publish fails,
 * and an unhandled failure would end the process. Those messages are dropped (the client
 * recovers by rejoining), and the outage is logged once by the client's error handler.
 */
function muffle(client: RedisClient): void {
  const publish = client.publish.bind(client);
  Object.defineProperty(client, "publish", {
    value: (channel: string, message: string) => publish(channel, message).catch(() => 0),
  });
}
