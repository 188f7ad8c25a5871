/**
 * Starts the servers under test as child processes on free loopback ports, and stops them.
 *
 * - Parley: `deno run <the start task's flags> server.ts`, read from deno.json so the benchmark
 *   runs what `deno task start` runs (its preparation, the bundle build, once beforehand).
 * - The tutorial: `node server.js` in bench/tutorial (its npm dependencies installed on first use).
 * - The bare relay: `deno run bench/bare_relay.ts`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Target } from "./signal_clients.ts";

/** The project root (where deno.json is). */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));
/** The tutorial fixture's folder. */
export const TUTORIAL_DIR: string = fileURLToPath(new URL("./tutorial/", import.meta.url));

/** `sh -c` script: raise the soft open-files limit to the hard one, then run "$0" "$@". */
export const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"';

/** A server running as a child process. */
export interface RunningServer {
  target: Target;
  /** Base URL without a trailing slash, `http://127.0.0.1:PORT`. */
  url: string;
  pid: number;
  /** The last lines it printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within two seconds. */
  stop(): Promise<void>;
}

/** The command that runs one of the servers: executable, arguments, working directory. */
export interface ServerCommand {
  command: string;
  args: string[];
  cwd: string;
}

/** `deno task start` taken apart: what it runs before the server, and the server's own command. */
export interface StartTask {
  /** Commands before the server (`deno task build --if-stale`), each as deno's arguments. */
  prepare: string[][];
  /** The arguments of the `deno run ... server.ts` that is the server. */
  server: string[];
}

/**
 * Reads the start task from deno.json, so the benchmark runs the server exactly as `deno task
 * start` does: `[deno <prepare> &&]... deno run <flags> server.ts`.
 */
export async function parleyStartTask(): Promise<StartTask> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: string = config.tasks?.start ?? "";
  const steps = task.split("&&").map((step) => step.trim().split(/\s+/));
  const valid = steps.every((words) => words[0] === "deno" && !/["'|;<>]/.test(words.join(" ")));
  const last = steps[steps.length - 1];
  if (!valid || last[1] !== "run" || !last.includes("server.ts")) {
    throw new Error(`the benchmark cannot take this start task apart: "${task}"`);
  }
  return { prepare: steps.slice(0, -1).map((words) => words.slice(1)), server: last.slice(1) };
}

/** Runs the start task's preparation steps (building the client bundle when stale). */
export async function prepareParley(): Promise<void> {
  for (const args of (await parleyStartTask()).prepare) {
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(`deno ${args.join(" ")} failed:\n${new TextDecoder().decode(stderr)}`);
    }
  }
}

/** The command that starts `target`. */
export async function serverCommand(target: Target): Promise<ServerCommand> {
  switch (target) {
    case "parley":
      return { command: Deno.execPath(), args: (await parleyStartTask()).server, cwd: ROOT };
    case "tutorial":
      return { command: "node", args: ["server.js"], cwd: TUTORIAL_DIR };
    case "bare":
      return {
        command: Deno.execPath(),
        args: ["run", "--allow-net", "--allow-env", "bench/bare_relay.ts"],
        cwd: ROOT,
      };
  }
}

/** Installs the tutorial's npm dependencies when bench/tutorial/node_modules is missing. */
export async function ensureTutorialDependencies(log: (line: string) => void): Promise<void> {
  try {
    await Deno.stat(`${TUTORIAL_DIR}node_modules/socket.io/package.json`);
    return;
  } catch {
    // Not installed yet.
  }
  log("installing the tutorial fixture's dependencies (npm ci in bench/tutorial)");
  const { success, stderr } = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund"],
    cwd: TUTORIAL_DIR,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`npm ci failed:\n${new TextDecoder().decode(stderr)}`);
}

/** Options for {@linkcode startServer}. */
export interface StartOptions {
  /** Extra environment for the server. */
  env?: Record<string, string>;
  /** Give up waiting for the "listening" line after this long. */
  timeoutMs?: number;
}

/** Starts `target` on a free port of 127.0.0.1 and waits until it says it is listening. */
export async function startServer(
  target: Target,
  options: StartOptions = {},
): Promise<RunningServer> {
  const { command, args, cwd } = await serverCommand(target);
  // Through sh to lift the open-files limit to the hard one (one descriptor per connection);
  // `exec` keeps the child's pid the server's own, for /proc.
  const child = new Deno.Command("sh", {
    args: ["-c", RAISE_FD_LIMIT, command, ...args],
    cwd,
    env: { PORT: "0", HOST: "127.0.0.1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  let resolveUrl: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => resolveUrl = resolve);
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    // Keep reading to the end: a child whose pipe fills up blocks.
    for await (const line of readLines(stream)) {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      const match = line.match(/listening on (http:\/\/[^\s/]+)/i);
      if (match) resolveUrl(match[1].replace("localhost", "127.0.0.1"));
    }
  };
  collect(child.stdout);
  collect(child.stderr);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    if (exited) return;
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 2000);
    await status;
    clearTimeout(timer);
  };
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    listening,
    status.then(() => null),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
  ]);
  clearTimeout(timer);
  if (url === null) {
    await stop();
    throw new Error(`${target} did not start:\n${lines.join("\n")}`);
  }
  return { target, url, pid: child.pid, output: () => lines.join("\n"), stop };
}

/** The lines of a byte stream, decoded as UTF-8. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    yield* parts;
  }
  buffer += decoder.decode();
  if (buffer) yield buffer;
}
