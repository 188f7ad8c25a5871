/**
 * Parley's connections to Redis: node-redis clients that fail fast while Redis is away, a time
 * bound on every command, and the check that Redis will not evict what the seat rules keep.
 *
 * @module
 */
import { createClient, type RedisClientType } from "redis";
import { log } from "./log.ts";

/** A node-redis client, as `createClient` makes it. */
export type RedisClient = RedisClientType;

/** A Redis call slower than this is taken as Redis being away. */
export const COMMAND_TIMEOUT_MS = 2000;

/** Makes a node-redis client that fails fast while Redis is away and reconnects by itself. */
export function redisClient(
  url: string,
  name: string,
  options: { queueWhileAway?: boolean } = {},
): RedisClient {
  const client = createClient({
    url,
    // Commands fail at once while disconnected instead of piling up for later.
    disableOfflineQueue: !options.queueWhileAway,
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  });
  let up = false;
  client.on("ready", () => {
    up = true;
    log("info", "redis.ready", { client: name });
  });
  client.on("error", (error: Error) => {
    // node-redis reports each failed reconnection; one line per outage is enough.
    if (!up) return;
    up = false;
    log("warn", "redis.lost", { client: name, error: error.message });
  });
  return client as unknown as RedisClient;
}

/** How late a timer must fire to say this process had no CPU meanwhile. */
const STALLED_MS = 250;

/**
 * `promise`, or a rejection when Redis takes longer than {@linkcode COMMAND_TIMEOUT_MS}.
 *
 * A timer that fires well after its time means this process was starved of CPU (or stopped), not
 * that Redis was slow: its answer may already be waiting to be read, and timers run before the
 * sockets are read. Such a late deadline gives the answer one more turn before it gives up.
 */
export function timed<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const arm = (ms: number, again: boolean) => {
      const due = Date.now() + ms;
      timer = setTimeout(() => {
        if (again && Date.now() - due > STALLED_MS) arm(STALLED_MS, false);
        else reject(new Error("Redis did not answer in time"));
      }, ms);
    };
    arm(COMMAND_TIMEOUT_MS, true);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Why Redis's eviction policy puts seats at risk, or null when it does not (`noeviction`).
 *
 * Any other policy lets Redis delete keys when it is full: a room's hash among them (every room
 * key has a time to live, so the `volatile-*` policies may take it too), and then a stranger
 * joins into a seat someone holds. With `noeviction`, a full Redis refuses writes instead: joins
 * are refused and `/readyz` says so, and nobody takes anyone's place.
 */
export function evictionProblem(info: { policy: string }): string | null {
  // Refused even without a memory limit: one set later at run time would start evicting.
  if (info.policy === "noeviction") return null;
  return `Redis's maxmemory-policy is ${info.policy}: when full it would evict rooms and let a ` +
    `stranger into someone's seat; set maxmemory-policy noeviction (redis.conf, or CONFIG SET)`;
}

/** Redis's memory settings, from `INFO memory` (readable where `CONFIG` is disabled). */
export async function memoryInfo(
  client: RedisClient,
): Promise<{ policy: string; maxmemory: number }> {
  const text = await timed(client.info("memory"));
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  return { policy: field("maxmemory_policy"), maxmemory: Number(field("maxmemory")) || 0 };
}

/** Runs Lua scripts by their hash, loading each first (and again after a Redis restart). */
export class ScriptRunner {
  #client: RedisClient;
  #shas = new Map<string, string>();

  constructor(client: RedisClient) {
    this.#client = client;
  }

  /** Forgets the loaded scripts (Redis may have restarted empty). */
  reset(): void {
    this.#shas.clear();
  }

  /** Runs `script` with `keys` and `args`, within {@linkcode COMMAND_TIMEOUT_MS}. */
  async run(script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.#shas.get(script);
    if (!sha) {
      sha = await timed(this.#client.scriptLoad(script));
      this.#shas.set(script, sha);
    }
    const command = ["EVALSHA", sha, String(keys.length), ...keys, ...args];
    try {
      return await timed(this.#client.sendCommand(command));
    } catch (error) {
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      this.#shas.delete(script);
      return this.run(script, keys, args);
    }
  }
}
