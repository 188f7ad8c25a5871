/**
 * What `deno task start`, `deno task serve` and `deno task dev` run: a small launcher that gives
 * each step exactly the permissions it needs, which one `deno run` could not.
 *
 * - `start`: fetches the npm packages the server and the build use (deno.app.json, never the
 *   tests' packages; `deno run` adds what is missing and leaves a developer's other packages),
 *   builds the client into dist/ when it is missing or older than its sources
 *   (that step alone may write, and only dist/), then runs the server.
 * - `serve`: runs the server only, writing nothing anywhere in the project (a read-only
 *   deployment: `deno task build` once, then this). A missing or stale dist/ is refused in one line.
 * - `dev`: as `start`, with a development build (source maps) and `PARLEY_DEV=1`.
 *
 * The server may read the project folder and, when `TLS_CERT_FILE`/`TLS_KEY_FILE` are set, exactly
 * those two files wherever they are (certbot's /etc/letsencrypt/live/…), so renewals are read in
 * place. The launcher itself may read four environment variables, keep the room key in `.parley/`
 * (server/room_key.ts: `start` and `dev` without `ROOM_SECRET` or `TURN_SECRET`) and run `deno`; it forwards
 * SIGINT and SIGTERM to the server and exits with its exit code (70 from the listener self-check,
 * so a supervisor restarts it).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { keptRoomKey } from "./room_key.ts";

/** The Deno configuration the server and the build run with: their packages and nothing else. */
export const APP_CONFIG = "deno.app.json";

/** What the launcher is asked to do. */
export type Mode = "start" | "serve" | "dev";

/** The environment variables that decide what the server may read besides its folder. */
export const TLS_VARS = ["TLS_CERT_FILE", "TLS_KEY_FILE"] as const;

/**
 * The `deno` arguments that run the server: the app configuration, network, environment, reading
 * the project and the certificate files `env` names, the interface list (for the startup lines)
 * and `prlimit` (for the open-file limit). `readOnly` (the serve task) also keeps Deno from
 * setting up node_modules, so nothing in the project is written.
 */
export function serverArgs(
  env: (name: string) => string | undefined,
  options: { readOnly?: boolean } = {},
): string[] {
  return [
    "run",
    "--config",
    APP_CONFIG,
    "--frozen",
    ...(options.readOnly ? ["--node-modules-dir=manual"] : []),
    "--allow-net",
    "--allow-env",
    `--allow-read=${readablePaths(env).join(",")}`,
    "--allow-sys=networkInterfaces",
    "--allow-run=prlimit",
    "server.ts",
  ];
}

/** The paths the server may read: the project folder, and the certificate and key if set. */
export function readablePaths(env: (name: string) => string | undefined): string[] {
  const paths = ["."];
  for (const name of TLS_VARS) {
    const path = env(name);
    if (!path) continue;
    // Deno's permission lists are comma-separated: a comma would split the path in two.
    if (path.includes(",")) throw new Error(`${name}: a path with a comma cannot be granted`);
    paths.push(path);
  }
  return paths;
}

/** The `deno` arguments that build the client into dist/ when it is missing or stale. */
export function buildArgs(options: { dev: boolean }): string[] {
  return [
    "run",
    "--config",
    APP_CONFIG,
    "--frozen",
    "--allow-env",
    "--allow-read=.",
    "--allow-write=dist",
    // esbuild runs its own binary.
    "--allow-run",
    "server/build.ts",
    "--if-stale",
    ...(options.dev ? ["--dev"] : []),
  ];
}

const ROOT = new URL("../", import.meta.url);

/**
 * Runs `deno <args>` in the project folder with the terminal's output, passing SIGINT and SIGTERM
 * on; resolves its status. With `summarize`, Deno's line per npm package fetched (the first time
 * only) is summed up in one line of ours.
 */
async function run(
  args: string[],
  options: { env?: Record<string, string>; summarize?: boolean } = {},
): Promise<Deno.CommandStatus> {
  const child = new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env: { ...options.env, ...(options.summarize ? { NO_COLOR: "1" } : {}) },
    stdin: "inherit",
    stdout: options.summarize ? "piped" : "inherit",
    stderr: options.summarize ? "piped" : "inherit",
  }).spawn();
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = () => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    if (options.summarize) {
      const fetches = new FetchSummary();
      await Promise.all([
        fetches.pass(child.stdout, console.log),
        fetches.pass(child.stderr, console.error),
      ]);
      fetches.done();
    }
    return await child.status;
  } finally {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
}

/**
 * Passes a child's output on, but for Deno's `Download …`/`Initialize …` lines (one per npm
 * package, the first time): a line when they start, one when they are done.
 */
class FetchSummary {
  #started = 0;
  #packages = 0;
  #fetching = false;

  /** Copies the lines of `stream` to `write`, summing up the fetch lines. */
  async pass(stream: ReadableStream<Uint8Array>, write: (line: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let rest = "";
    const line = (text: string) => {
      if (!/^(Download|Initialize) /.test(text)) {
        this.done();
        write(text);
        return;
      }
      if (this.#started === 0) {
        this.#started = performance.now();
        console.log("Parley: fetching the npm packages the server and the build use…");
      }
      this.#fetching = true;
      if (text.startsWith("Initialize")) this.#packages++;
    };
    for await (const bytes of stream) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop()!;
      lines.forEach(line);
    }
    if (rest) line(rest);
  }

  /** Says how many packages were fetched, once the fetching is over. */
  done(): void {
    if (!this.#fetching) return;
    this.#fetching = false;
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
    console.log(`Parley: ${this.#packages} npm packages ready in ${seconds} s`);
  }
}

/** The launcher's exit code for a child that ended: its code, or 128 + signal number. */
function exitCode(status: Deno.CommandStatus): number {
  if (status.signal !== null) return 128 + (SIGNAL_NUMBERS[status.signal] ?? 15);
  return status.code;
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};

/** Runs `mode`; resolves the exit code. */
export async function launch(mode: Mode): Promise<number> {
  const env = (name: string) => Deno.env.get(name);
  let args: string[];
  try {
    args = serverArgs(env, { readOnly: mode === "serve" });
  } catch (error) {
    console.error(`Parley: ${(error as Error).message}`);
    return 1;
  }
  const serverEnv: Record<string, string> = mode === "dev" ? { PARLEY_DEV: "1" } : {};
  if (mode !== "serve") {
    // The build's first run is where Deno fetches the packages, the server's included.
    const built = await run(buildArgs({ dev: mode === "dev" }), { summarize: true });
    if (!built.success) return exitCode(built);
    // Without a secret of the deployment's, the links minted here open again after a restart.
    if (!env("ROOM_SECRET") && !env("TURN_SECRET")) {
      const key = await keptRoomKey(fileURLToPath(ROOT));
      if (key) serverEnv.ROOM_SECRET = key;
    }
  }
  return exitCode(await run(args, { env: serverEnv }));
}

if (import.meta.main) {
  const mode = Deno.args[0] ?? "start";
  if (mode !== "start" && mode !== "serve" && mode !== "dev") {
    console.error(`Parley: unknown mode "${mode}": start, serve or dev`);
    Deno.exit(2);
  }
  Deno.exit(await launch(mode));
}
