/**
 * The listener's self-check: every so often the server connects to itself and asks for
 * `/healthz`. A listener that stopped accepting (the kernel still completes the handshake, but
 * nothing answers and nothing closes) fails the check; after `failures` failures in a row the
 * process exits non-zero, so a supervisor restarts it. A connection the server closes at once
 * (over a cap during a flood) counts as alive: the listener is still accepting.
 *
 * @module
 */

/** Options for {@linkcode startSelfCheck}. */
export interface SelfCheckOptions {
  /** Where the server listens (`0.0.0.0` and `::` are checked on loopback). */
  host: string;
  port: number;
  intervalMs: number;
  /** How long one check waits for an answer. Default: the interval, at most 5 s. */
  timeoutMs?: number;
  /** Failed checks in a row that count as dead. Default 2. */
  failures?: number;
  /** Called once the listener counts as dead. */
  onDead: (reason: string) => void;
}

/** Starts the periodic check; returns a function that stops it. */
export function startSelfCheck(options: SelfCheckOptions): () => void {
  const timeoutMs = options.timeoutMs ?? Math.min(options.intervalMs, 5000);
  const failuresToDie = options.failures ?? 2;
  const hostname = options.host === "0.0.0.0"
    ? "127.0.0.1"
    : options.host === "::"
    ? "::1"
    : options.host;
  let failures = 0;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    const problem = await probe(hostname, options.port, timeoutMs);
    running = false;
    failures = problem === null ? 0 : failures + 1;
    if (problem !== null && failures >= failuresToDie) {
      clearInterval(timer);
      options.onDead(problem);
    }
  }, options.intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/** null when the listener answered (or closed the connection), else what went wrong. */
async function probe(hostname: string, port: number, timeoutMs: number): Promise<string | null> {
  let conn: Deno.TcpConn | null = null;
  let done = false;
  const timeout = new Promise<string>((resolve) => {
    const id = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    Deno.unrefTimer(id);
  });
  const attempt = (async () => {
    try {
      conn = await Deno.connect({ hostname, port });
      if (done) conn.close(); // the check already timed out; the read below fails and is ignored
      const request =
        `GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(request));
      await conn.read(new Uint8Array(64)); // any bytes, or EOF: someone accepted the connection
      return null;
    } catch (error) {
      // Reset by the server (closed over a cap): accepted, so alive. Refused: nobody listens.
      if (error instanceof Deno.errors.ConnectionReset) return null;
      return error instanceof Error ? error.message : String(error);
    }
  })();
  const result = await Promise.race([attempt, timeout]);
  done = true;
  try {
    (conn as Deno.TcpConn | null)?.close();
  } catch {
    // Already closed.
  }
  return result;
}
