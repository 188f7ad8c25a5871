/**
 * Test helpers: the real Parley server as a subprocess, and real Socket.IO clients talking to it.
 *
 * The server runs exactly as `deno task start` runs it (the same permission flags, from
 * server/start.ts), so tests see what users see: the check of the built site, the config parsing, the
 * listen line. Like a deployment, it needs `deno task build` first: `deno task test` runs it, and
 * a test file run on its own builds once when dist/ is missing or stale.
 *
 * @module
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { fileURLToPath } from "node:url";
import { loadSite, SiteNotBuilt } from "../../server/site.ts";
import { serverArgs } from "../../server/start.ts";
import { type ServerProcess, type SpawnResult, spawnServer } from "./process.ts";

/** The repository root (where deno.json and server.ts live). */
export const ROOT_DIR: string = fileURLToPath(new URL("../../", import.meta.url));

/** Configuration variables the server reads; blanked so a developer's shell cannot leak in. */
const CONFIG_VARS = [
  "ICE_SERVERS",
  "TURN_URLS",
  "TURN_SECRET",
  "TURN_TTL_SECONDS",
  "SEAT_GRACE_SECONDS",
  "PING_INTERVAL_MS",
  "PING_TIMEOUT_MS",
  "PARLEY_DEV",
  // Limits against hostile clients (docs/security.md, "Limits").
  "ALLOWED_ORIGINS",
  "ROOM_SECRET",
  "MINTED_ROOMS_ONLY",
  "MAX_CONNECTIONS",
  "MAX_CONNECTIONS_PER_ADDRESS",
  "SEND_QUEUE_BYTES",
  "SLOW_READER_SECONDS",
  "SELF_CHECK_SECONDS",
  "RATE_CONNECTIONS_PER_ADDRESS",
  "RATE_JOINS_PER_CONNECTION",
  "RATE_JOINS_PER_ADDRESS",
  "RATE_DESCRIPTIONS_PER_CONNECTION",
  "RATE_CANDIDATES_PER_CONNECTION",
  "RATE_SIGNAL_BYTES_PER_CONNECTION",
  "RATE_TURN_CREDENTIALS_PER_ADDRESS",
  "RATE_NEW_ROOMS_PER_ADDRESS",
  "TRUST_PROXY",
  "ICE_TRANSPORT_POLICY",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
  // Many instances and operations.
  "REDIS_URL",
  "SHUTDOWN_GRACE_SECONDS",
  "METRICS_HOST",
  "METRICS_PORT",
];

const LISTENING = /Parley listening on (https?:\/\/[^\s/]+:\d+)\//;

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /** Extra environment for the server (e.g. `{ SEAT_GRACE_SECONDS: "1" }`). */
  env?: Record<string, string>;
  /** Port to listen on; default 0 (a free one). Pass an earlier server's port to restart it. */
  port?: number;
  /**
   * Address to listen on; default 127.0.0.1. A network namespace's test gives its veth address, so
   * a browser inside the namespace can reach the server too.
   */
  host?: string;
  /** A network namespace to run the server in (`ip netns exec`); default the host's network. */
  namespace?: string;
  /** How long to wait for the listen line, in milliseconds. Default 60 s (a first start bundles). */
  startTimeoutMs?: number;
  /** Open-file limit for the server process (`ulimit -n`, through bash); default: inherited. */
  fileLimit?: number;
}

/** A running server subprocess (its process id included, for the benchmark's /proc figures). */
export type RunningServer = ServerProcess;

/**
 * The `deno` arguments the start task runs the server with (`serverArgs` of server/start.ts, for
 * the certificate files in `env`), so tests run the server with exactly the permissions users give
 * it. Before the first start, `deno task build` runs (once per test process) when the built site
 * is missing or stale, as `deno task start` would.
 */
export async function startTaskArgs(env: Record<string, string>): Promise<string[]> {
  await runOnce(["task", "build"], async () => {
    try {
      await loadSite({ dev: false });
      return false;
    } catch (error) {
      if (error instanceof SiteNotBuilt) return true;
      throw error;
    }
  });
  return serverArgs((name) => env[name]);
}

const preparations = new Map<string, Promise<void>>();

/** Runs `deno <args>` once per test process (when `needed` says so), failing with its output. */
function runOnce(args: string[], needed = () => Promise.resolve(true)): Promise<void> {
  const key = args.join(" ");
  if (!preparations.has(key)) {
    preparations.set(
      key,
      (async () => {
        if (!await needed()) return;
        const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
          args,
          cwd: ROOT_DIR,
          stdin: "null",
        }).output();
        if (code !== 0) {
          const decoder = new TextDecoder();
          throw new Error(
            `deno ${key} failed:\n${decoder.decode(stdout)}${decoder.decode(stderr)}`,
          );
        }
      })(),
    );
  }
  return preparations.get(key)!;
}

/**
 * Starts server.ts as a subprocess on 127.0.0.1 (or `options.host`) and resolves once it prints its
 * listen line.
 *
 * When a fixed `port` is still held by a server that just exited, starting is retried for a
 * few seconds, so stop-then-restart on the same port works.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (let attempt = 1;; attempt++) {
    const result = await spawnOnce(options, deadline);
    if (result.ok) return result.server;
    const retryable = options.port !== undefined && options.port !== 0 &&
      /AddrInUse|EADDRINUSE|address already in use/i.test(result.output) &&
      Date.now() + 250 < deadline && attempt < 40;
    if (!retryable) {
      throw new Error(
        `Parley server did not start: ${result.reason}\n--- output ---\n${result.output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function spawnOnce(
  options: StartServerOptions,
  deadline: number,
): Promise<SpawnResult> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of CONFIG_VARS) env[name] = "";
  // Metrics on a free port of their own: servers of several tests run side by side.
  env.METRICS_PORT = "0";
  Object.assign(env, options.env, {
    PORT: String(options.port ?? 0),
    HOST: options.host ?? "127.0.0.1",
  });
  const args = await startTaskArgs(env);

  // With a file limit, bash sets it and then becomes deno (exec): same pid, same signals; in a
  // network namespace, `ip netns exec` execs the command likewise.
  let command = { program: Deno.execPath(), args };
  if (options.fileLimit !== undefined) {
    command = {
      program: "bash",
      args: ["-c", `ulimit -n ${options.fileLimit} && exec "$0" "$@"`, command.program, ...args],
    };
  }
  if (options.namespace) {
    command = {
      program: "ip",
      args: ["netns", "exec", options.namespace, command.program, ...command.args],
    };
  }
  return spawnServer({
    label: "Parley server",
    command: command.program,
    args: command.args,
    cwd: ROOT_DIR,
    env,
    listening: LISTENING,
    deadline,
    echo: Boolean(Deno.env.get("PARLEY_TEST_SERVER_LOG")),
  });
}

/** Where `server` serves `/metrics` (its own listener, from the startup lines). */
export function metricsUrl(server: RunningServer): string {
  const url = /metrics: (https?:\/\/\S+\/metrics)/.exec(server.output())?.[1];
  if (!url) throw new Error(`no metrics line in the server's output:\n${server.output()}`);
  return url;
}

/** Options for {@linkcode connectClient}: Socket.IO client options, plus a connect timeout. */
export type ClientOptions = Partial<ManagerOptions & SocketOptions> & { timeoutMs?: number };

/**
 * A socket.io-client socket connected to `url` over WebSocket (no polling, no automatic
 * reconnection unless `options` asks for it). Close it with {@linkcode closeClient}.
 */
export function connectClient(url: string, options: ClientOptions = {}): Promise<Socket> {
  const { timeoutMs = 5000, ...socketOptions } = options;
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
    ...socketOptions,
  });
  return new Promise((resolve, reject) => {
    const connected = () => {
      socket.off("connect_error", failed);
      resolve(socket);
    };
    const failed = (error: Error) => {
      socket.off("connect", connected);
      socket.disconnect();
      reject(new Error(`could not connect to ${url}: ${error.message}`));
    };
    socket.once("connect", connected);
    socket.once("connect_error", failed);
  });
}

/** Disconnects `socket` and waits until its transport is closed (so no I/O outlives a test). */
export async function closeClient(socket: Socket): Promise<void> {
  const engine = socket.io.engine;
  socket.disconnect();
  if (engine && engine.readyState !== "closed") {
    await new Promise<void>((resolve) => engine.once("close", () => resolve()));
  }
}

/** Clients connected through one group, closed together (`await using clients = ...`). */
export class ClientGroup {
  #url: string;
  #sockets: Socket[] = [];

  constructor(url: string) {
    this.#url = url;
  }

  /** Connects one more client to the group's server. */
  async connect(options?: ClientOptions): Promise<Socket> {
    const socket = await connectClient(this.#url, options);
    this.#sockets.push(socket);
    return socket;
  }

  /** Closes every client of the group. */
  async close(): Promise<void> {
    const sockets = this.#sockets.splice(0);
    await Promise.all(sockets.map(closeClient));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Emits `event` with `args` and resolves with the acknowledgement; rejects after 2 s without. */
export function emitWithAck<T = unknown>(
  socket: Socket,
  event: string,
  ...args: unknown[]
): Promise<T> {
  return socket.timeout(2000).emitWithAck(event, ...args) as Promise<T>;
}

/** The payload of the next `event` on `socket`; rejects when none comes within `timeoutMs`. */
export function nextEvent<T = unknown>(
  socket: Socket,
  event: string,
  timeoutMs = 2000,
): Promise<T> {
  return quietIfAbandoned(
    new Promise((resolve, reject) => {
      const listener = (payload: T) => {
        clearTimeout(timer);
        resolve(payload);
      };
      const timer = setTimeout(() => {
        socket.off(event, listener);
        reject(new Error(`no "${event}" event within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(event, listener);
    }),
  );
}

/** Resolves after `ms` when no `event` reached `socket` meanwhile; rejects as soon as one does. */
export function expectNoEvent(socket: Socket, event: string, ms = 300): Promise<void> {
  return quietIfAbandoned(
    new Promise((resolve, reject) => {
      const listener = (payload: unknown) => {
        clearTimeout(timer);
        reject(new Error(`unexpected "${event}" event: ${JSON.stringify(payload)}`));
      };
      const timer = setTimeout(() => {
        socket.off(event, listener);
        resolve();
      }, ms);
      socket.once(event, listener);
    }),
  );
}

/**
 * Marks `promise` handled, so a test that failed before awaiting it reports its own assertion
 * instead of an unhandled rejection that aborts the whole file. Awaiting it still throws.
 */
function quietIfAbandoned<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** One event a socket received. */
export interface ReceivedEvent {
  event: string;
  args: unknown[];
}

/** Records every event `socket` receives from now on, in order. */
export function recordEvents(socket: Socket): ReceivedEvent[] {
  const received: ReceivedEvent[] = [];
  socket.onAny((event: string, ...args: unknown[]) => received.push({ event, args }));
  return received;
}
