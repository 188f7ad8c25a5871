/**
 * A server as a child process: spawn it, wait for the line that says where it listens, keep its
 * output, stop it. Shared by the tests (`server.ts`, Parley itself) and the benchmark (Parley, the
 * tutorial's server and the bare relay), so both start and stop servers the same way.
 *
 * @module
 */

/** What to run, and how to tell it is ready. */
export interface ProcessSpec {
  /** Shown in messages, e.g. "Parley server". */
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** The ready line; its first group is the origin it listens on, e.g. `http://127.0.0.1:4123`. */
  listening: RegExp;
  /** Give up waiting for the ready line at this time (`Date.now()` clock). */
  deadline: number;
  /** Copy the child's output to our stderr as it comes (for debugging a test). */
  echo?: boolean;
}

/** A running server subprocess. */
export interface ServerProcess {
  /** Origin without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The child's process id (for /proc: CPU time, memory). */
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when the process has exited (by itself or by stop/kill). */
  exited: Promise<Deno.CommandStatus>;
  /** SIGTERM (the graceful shutdown path) and wait for the exit; SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** SIGKILL (a crash, no shutdown code runs) and wait for the exit. */
  kill(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A server that started, or why it did not and what it printed. */
export type SpawnResult =
  | { ok: true; server: ServerProcess }
  | { ok: false; reason: string; output: string };

/** Spawns `spec` and resolves once it prints its ready line, exits, or the deadline passes. */
export async function spawnServer(spec: ProcessSpec): Promise<SpawnResult> {
  const child = new Deno.Command(spec.command, {
    args: spec.args,
    cwd: spec.cwd,
    env: spec.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let output = "";
  let onOutput = () => {};
  // Read both pipes to the end: a child whose pipe fills up blocks.
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      output += decoder.decode(bytes, { stream: true });
      if (spec.echo) await Deno.stderr.write(bytes);
      onOutput();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumped;
    return status;
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let failure = "";
  const started = await new Promise<string | null>((resolve) => {
    onOutput = () => {
      const match = spec.listening.exec(output);
      if (match) resolve(match[1]);
    };
    onOutput();
    exited.then((status) => {
      failure = `exited with code ${status.code}`;
      resolve(null);
    });
    timer = setTimeout(() => {
      failure = "no ready line before the timeout";
      resolve(null);
    }, Math.max(0, spec.deadline - Date.now()));
  });
  clearTimeout(timer);
  onOutput = () => {};

  let stopping = false;
  exited.then((status) => {
    if (!stopping && started !== null) {
      console.error(`${spec.label} exited by itself (code ${status.code}); it printed:\n${output}`);
    }
  });
  const terminate = async (signal: Deno.Signal) => {
    stopping = true;
    try {
      child.kill(signal);
    } catch {
      // Already exited.
    }
    const killTimer = signal === "SIGKILL" ? undefined : setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited in the meantime.
      }
    }, 5000);
    await exited;
    clearTimeout(killTimer);
  };

  if (started === null) {
    await terminate("SIGKILL");
    return { ok: false, reason: failure, output };
  }
  const stop = () => terminate("SIGTERM");
  return {
    ok: true,
    server: {
      url: started,
      port: Number(new URL(started).port),
      pid: child.pid,
      output: () => output,
      exited,
      stop,
      kill: () => terminate("SIGKILL"),
      [Symbol.asyncDispose]: stop,
    },
  };
}
