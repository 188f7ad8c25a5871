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

/** A child process whose output is kept (both pipes, read to the end so it never blocks). */
export interface Child {
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves when it has exited and its output has been read. */
  exited: Promise<Deno.CommandStatus>;
  /** Resolves with the first match of `pattern` in its output, or null if it exits or the deadline passes first. */
  waitFor(pattern: RegExp, deadline: number): Promise<RegExpExecArray | null>;
  /** Sends `signal`, then SIGKILL after `graceMs` if it is still there; waits for the exit. */
  terminate(signal: Deno.Signal, graceMs?: number): Promise<void>;
}

/** Spawns `command` with `args`; `echo` copies its output to our stderr as it comes. */
export function spawnChild(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; echo?: boolean } = {},
): Child {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const bytes of stream) {
      output += decoder.decode(bytes, { stream: true });
      if (options.echo) await Deno.stderr.write(bytes);
      for (const listener of listeners) listener();
    }
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumped;
    return status;
  });
  return {
    pid: child.pid,
    output: () => output,
    exited,
    waitFor: (pattern, deadline) =>
      new Promise((resolve) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(match);
        };
        const timer = setTimeout(() => done(null), Math.max(0, deadline - Date.now()));
        const done = (match: RegExpExecArray | null) => {
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match);
        };
        listeners.add(check);
        exited.then(() => done(pattern.exec(output)));
        check();
      }),
    terminate: async (signal, graceMs = 5000) => {
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
      }, graceMs);
      await exited;
      clearTimeout(killTimer);
    },
  };
}

/** Spawns `spec` and resolves once it prints its ready line, exits, or the deadline passes. */
export async function spawnServer(spec: ProcessSpec): Promise<SpawnResult> {
  const child = spawnChild(spec.command, spec.args, spec);
  const match = await child.waitFor(spec.listening, spec.deadline);
  let stopping = false;
  child.exited.then((status) => {
    if (!stopping && match !== null) {
      console.error(
        `${spec.label} exited by itself (code ${status.code}); it printed:\n${child.output()}`,
      );
    }
  });
  const terminate = (signal: Deno.Signal) => {
    stopping = true;
    return child.terminate(signal);
  };
  if (match === null) {
    const exited = await Promise.race([child.exited, Promise.resolve(null)]);
    await terminate("SIGKILL");
    const reason = exited ? `exited with code ${exited.code}` : "no ready line before the timeout";
    return { ok: false, reason, output: child.output() };
  }
  const stop = () => terminate("SIGTERM");
  return {
    ok: true,
    server: {
      url: match[1],
      port: Number(new URL(match[1]).port),
      pid: child.pid,
      output: child.output,
      exited: child.exited,
      stop,
      kill: () => terminate("SIGKILL"),
      [Symbol.asyncDispose]: stop,
    },
  };
}
