/**
 * Test helpers: the real Parley server as a subprocess, and real Socket.IO clients talking to it.
 *
 * The server runs exactly as `deno task start` runs it (same permission flags, read from
 * deno.json), so tests see what users see: the bundle check, the config parsing, the listen line.
 *
 * @module
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { fileURLToPath } from "node:url";

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
  "ICE_TRANSPORT_POLICY",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
];

const LISTENING = /Parley listening on (https?:\/\/[^\s/]+:(\d+))\//;

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
}

/** A running server subprocess. */
export interface RunningServer {
  /** Origin without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** Everything the server printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when the process has exited (by itself or by stop/kill). */
  exited: Promise<Deno.CommandStatus>;
  /** SIGTERM (the graceful shutdown path) and wait for the exit; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL (a crash, no shutdown code runs) and wait for the exit. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * The `start` task is `deno task build --if-stale && deno run <flags> server.ts`: build the client
 * bundle when it is stale (once per test process), then return the `deno run` arguments, so tests
 * run the server with exactly the permissions users give it.
 */
async function startTaskArgs(): Promise<string[]> {
  const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT_DIR}deno.json`));
  const steps = String(denoJson.tasks.start).split("&&").map((step) => step.trim().split(/\s+/));
  const run = steps.at(-1)!;
  if (run[0] !== "deno" || run[1] !== "run") {
    throw new Error(`unexpected start task in deno.json: ${denoJson.tasks.start}`);
  }
  for (const step of steps.slice(0, -1)) {
    if (step[0] !== "deno") throw new Error(`unexpected start step: ${step.join(" ")}`);
    await runOnce(step.slice(1));
  }
  return run.slice(1);
}

const preparations = new Map<string, Promise<void>>();

function runOnce(args: string[]): Promise<void> {
  const key = args.join(" ");
  if (!preparations.has(key)) {
    preparations.set(
      key,
      (async () => {
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
  const args = await startTaskArgs();
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (let attempt = 1;; attempt++) {
    const result = await spawnOnce(args, options, deadline);
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

type SpawnResult =
  | { ok: true; server: RunningServer }
  | { ok: false; reason: string; output: string };

async function spawnOnce(
  args: string[],
  options: StartServerOptions,
  deadline: number,
): Promise<SpawnResult> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of CONFIG_VARS) env[name] = "";
  Object.assign(env, options.env, {
    PORT: String(options.port ?? 0),
    HOST: options.host ?? "127.0.0.1",
  });

  // `ip netns exec` execs the command, so signals reach the server itself.
  const command = options.namespace
    ? { program: "ip", args: ["netns", "exec", options.namespace, Deno.execPath(), ...args] }
    : { program: Deno.execPath(), args };
  const child = new Deno.Command(command.program, {
    args: command.args,
    cwd: ROOT_DIR,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let output = "";
  let onOutput = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      const chunk = decoder.decode(bytes, { stream: true });
      output += chunk;
      if (Deno.env.get("PARLEY_TEST_SERVER_LOG")) await Deno.stderr.write(bytes);
      onOutput();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumped;
    return status;
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = await new Promise<{ url: string; port: number } | string>((resolve) => {
    onOutput = () => {
      const match = LISTENING.exec(output);
      if (match) resolve({ url: match[1], port: Number(match[2]) });
    };
    onOutput();
    exited.then((status) => resolve(`exited with code ${status.code}`));
    timer = setTimeout(
      () => resolve("no listen line before the timeout"),
      Math.max(0, deadline - Date.now()),
    );
  });
  clearTimeout(timer);
  onOutput = () => {};

  let stopping = false;
  exited.then((status) => {
    if (!stopping && typeof started !== "string") {
      console.error(`Parley server exited by itself (code ${status.code}); it printed:\n${output}`);
    }
  });
  const terminate = async (signal: Deno.Signal) => {
    stopping = true;
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    if (signal !== "SIGKILL") {
      killTimer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Exited in the meantime.
        }
      }, 5000);
    }
    await exited;
    clearTimeout(killTimer);
  };

  if (typeof started === "string") {
    await terminate("SIGKILL");
    return { ok: false, reason: started, output };
  }
  const stop = () => terminate("SIGTERM");
  return {
    ok: true,
    server: {
      url: started.url,
      port: started.port,
      output: () => output,
      exited,
      stop,
      kill: () => terminate("SIGKILL"),
      [Symbol.asyncDispose]: stop,
    },
  };
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
