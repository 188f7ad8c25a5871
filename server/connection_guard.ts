/**
 * Connection caps: a global cap below the process's open-file limit, and per address a cap on open
 * connections and on new connections a minute. Excess connections are closed at once.
 *
 * Why below the file limit: Deno's `node:http` stops accepting for good once `accept` fails for
 * lack of file descriptors, even after the connections close; `server.maxConnections` makes it
 * close extra connections itself before that point (docs/security.md, "Limits").
 *
 * @module
 */
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import type { ServerLimits } from "./config.ts";
import { addressKey, KeyedBuckets, type NowClock } from "./rate_limit.ts";

/**
 * File descriptors kept free for everything that is not a client connection, and for the
 * connections accepted during a flood faster than the server closes the ones over the cap (a
 * tenth was seen to run out on a busy machine; a quarter held).
 */
export function headroom(fileLimit: number): number {
  return Math.max(128, Math.floor(fileLimit / 4));
}

/**
 * The process's soft open-file limit, or null where it cannot be learnt.
 *
 * Deno grants `/proc/self/limits` only with `--allow-all`, so the start task allows running
 * exactly one program, util-linux's `prlimit`, which reports it (`--allow-run=prlimit`).
 */
export function readOpenFileLimit(): number | null {
  try {
    const { code, stdout } = new Deno.Command("prlimit", {
      args: ["--pid", String(Deno.pid), "--nofile", "--output=SOFT", "--noheadings", "--raw"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const text = new TextDecoder().decode(stdout).trim();
    if (code !== 0 || !/^\d+$/.test(text)) return null;
    return Number(text);
  } catch {
    return null;
  }
}

/** The global connection cap: the configured one, else the file limit less headroom. */
export function connectionCap(configured: number | null, fileLimit: number | null): number | null {
  if (configured !== null) return configured;
  if (fileLimit === null) return null;
  return Math.max(1, fileLimit - headroom(fileLimit));
}

/** What {@linkcode guardConnections} counts. */
export interface ConnectionGuard {
  /** Open connections now. */
  readonly open: number;
  /** Connections closed at once since start (over a cap or rate). */
  readonly refused: number;
}

/** Applies the caps to `http`; returns live counters. */
export function guardConnections(
  http: HttpServer,
  options: { cap: number | null; limits: ServerLimits; clock?: NowClock },
): ConnectionGuard {
  const { cap, limits } = options;
  if (cap !== null) http.maxConnections = cap;
  const perAddress = new Map<string, number>();
  const handshakes = new KeyedBuckets({
    perMinute: limits.connectionsPerAddressPerMinute,
    clock: options.clock,
  });
  const counters = { open: 0, refused: 0 };

  http.on("connection", (socket: Socket) => {
    const key = addressKey(socket.remoteAddress);
    const count = perAddress.get(key) ?? 0;
    const overCap = limits.connectionsPerAddress > 0 && count >= limits.connectionsPerAddress;
    if (overCap || !handshakes.take(key)) {
      counters.refused++;
      socket.destroy();
      return;
    }
    counters.open++;
    perAddress.set(key, count + 1);
    socket.once("close", () => {
      counters.open--;
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left <= 0) perAddress.delete(key);
      else perAddress.set(key, left);
    });
  });
  return counters;
}
