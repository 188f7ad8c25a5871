/**
 * Test helpers: a real redis-server on a free port (no persistence, so a restart starts empty, as
 * the worst case), and several Parley instances sharing it.
 *
 * @module
 */
import { type RunningServer, startServer, type StartServerOptions } from "./server.ts";
import { IN_CI } from "./requirements.ts";

/** A running redis-server that can be stopped and started again on the same port. */
export interface Redis {
  url: string;
  port: number;
  /** Stops it (SIGKILL: as an outage, nothing saved). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty). */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Why redis-server cannot run here, or null when it can. */
export async function redisUnavailable(): Promise<string | null> {
  try {
    await new Deno.Command("redis-server", { args: ["--version"], stdout: "null" }).output();
    return null;
  } catch {
    return "redis-server is not installed (apt-get install -y redis-server)";
  }
}

/** A TCP port nobody listens on now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts redis-server on a free port of 127.0.0.1, with `args` added (`["--maxmemory", "2mb"]`). */
export async function startRedis(args: string[] = []): Promise<Redis> {
  const port = freePort();
  let child: Deno.ChildProcess | null = null;
  const start = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const stop = async () => {
    const running: Deno.ChildProcess | null = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await running.status;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start, [Symbol.asyncDispose]: stop };
}

/** Starts `count` Parley instances on `redis`, in parallel. */
export function startInstances(
  redis: Redis,
  count: number,
  options: StartServerOptions = {},
): Promise<RunningServer[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        startServer({ ...options, env: { ...CLUSTER_ENV, ...options.env, REDIS_URL: redis.url } }),
    ),
  );
}

/**
 * Every instance sees the load balancer's or the test's one address: per-address limits off,
 * as docs/deploy.md says to do behind a proxy that is the only client.
 */
export const CLUSTER_ENV: Record<string, string> = {
  MAX_CONNECTIONS_PER_ADDRESS: "0",
  RATE_CONNECTIONS_PER_ADDRESS: "0",
  RATE_JOINS_PER_ADDRESS: "0",
  SELF_CHECK_SECONDS: "0",
  // One secret on every instance, so each tells the rooms the others minted.
  ROOM_SECRET: "cluster-test-room-secret",
};

/** Fails (CI) or returns true to skip (a developer's machine) when `reason` is not null. */
export function missing(reason: string | null): boolean {
  if (reason === null) return false;
  if (IN_CI) throw new Error(reason);
  console.warn(`skipped: ${reason}`);
  return true;
}
