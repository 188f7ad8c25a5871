/**
 * The servers the benchmark compares, started as child processes on free loopback ports through
 * the tests' process helper:
 *
 * - Parley exactly as `deno task start` runs it (`tests/helpers/server.ts`, flags from server/start.ts);
 * - the tutorial's server, `node server.js` in bench/tutorial (npm packages installed on first use);
 * - the bare relay, `deno run bench/bare_relay.ts`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type ServerProcess, spawnServer } from "../tests/helpers/process.ts";
import { ROOT_DIR, startServer } from "../tests/helpers/server.ts";

/** The servers under comparison. */
export type Target = "parley" | "tutorial" | "bare";

/** The tutorial fixture's folder. */
export const TUTORIAL_DIR: string = fileURLToPath(new URL("./tutorial/", import.meta.url));

const COMMANDS = {
  tutorial: { command: "node", args: ["server.js"], cwd: TUTORIAL_DIR },
  bare: {
    command: Deno.execPath(),
    args: ["run", "--allow-net=127.0.0.1", "--allow-env", "bench/bare_relay.ts"],
    cwd: ROOT_DIR,
  },
  task: { command: Deno.execPath(), args: ["task", "start"], cwd: ROOT_DIR },
};

/**
 * Parley's per-address caps and rates, turned off: every simulated client of the bench comes from
 * 127.0.0.1, where a real deployment's clients come from many addresses. Per-connection bounds
 * that a real call never reaches stay on.
 */
export const ONE_ADDRESS_LOAD: Record<string, string> = {
  MAX_CONNECTIONS_PER_ADDRESS: "0",
  RATE_CONNECTIONS_PER_ADDRESS: "0",
  RATE_JOINS_PER_ADDRESS: "0",
  RATE_JOINS_PER_CONNECTION: "0",
  RATE_DESCRIPTIONS_PER_CONNECTION: "0",
  RATE_CANDIDATES_PER_CONNECTION: "0",
  RATE_SIGNAL_BYTES_PER_CONNECTION: "0",
};

/**
 * Starts `target` on 127.0.0.1 and a free port; resolves once it says where it listens. `task`
 * is Parley started with `deno task start` itself (for its cold start, bundle check included).
 */
export async function startTarget(target: Target | "task"): Promise<ServerProcess> {
  if (target === "parley") return await startServer({ env: ONE_ADDRESS_LOAD });
  const started = await spawnServer({
    label: target,
    ...COMMANDS[target],
    env: { PORT: "0", HOST: "127.0.0.1", NO_COLOR: "1" },
    listening: /listening on (http:\/\/[^\s/]+:\d+)/i,
    deadline: Date.now() + 60_000,
  });
  if (!started.ok) throw new Error(`${target} did not start: ${started.reason}\n${started.output}`);
  // The tutorial prints "localhost"; the clients must not wander off to ::1.
  return { ...started.server, url: started.server.url.replace("localhost", "127.0.0.1") };
}

/** Installs the tutorial's npm packages when bench/tutorial/node_modules is missing. */
export async function ensureTutorial(log: (line: string) => void): Promise<void> {
  if (await Deno.stat(`${TUTORIAL_DIR}node_modules/socket.io`).catch(() => null)) return;
  log("installing the tutorial fixture's packages (npm ci in bench/tutorial)");
  const { success, stderr } = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund"],
    cwd: TUTORIAL_DIR,
    stdout: "null",
  }).output();
  if (!success) throw new Error(`npm ci failed:\n${new TextDecoder().decode(stderr)}`);
}
