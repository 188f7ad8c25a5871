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
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import type { TrustedProxies } from "./client_address.ts";
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

/** What {@linkcode guardConnections} counts, and its door for requests that came via a proxy. */
export interface ConnectionGuard {
  /** Open connections now. */
  readonly open: number;
  /** Connections closed at once or requests refused since start (over a cap or rate). */
  readonly refused: number;
  /**
   * Whether the client behind `req` may go on. A connection from a trusted proxy is not counted
   * when it is accepted (every client would share the proxy's address) but here, on its first
   * request, against the client the proxy names; a refusal is the caller's to answer.
   */
  admit(req: Pick<IncomingMessage, "socket" | "headers">): boolean;
}

/** Applies the caps to `http`; returns live counters. */
export function guardConnections(
  http: HttpServer,
  options: { cap: number | null; limits: ServerLimits; proxies: TrustedProxies; clock?: NowClock },
): ConnectionGuard {
  const { cap, limits, proxies } = options;
  if (cap !== null) http.maxConnections = cap;
  const perAddress = new Map<string, number>();
  const handshakes = new KeyedBuckets({
    perMinute: limits.connectionsPerAddressPerMinute,
    clock: options.clock,
  });
  const admitted = new WeakSet<Socket>();
  const counters = { open: 0, refused: 0 };

  /** Counts `socket` against `key` until it closes; false when `key` is over a cap or rate. */
  const take = (key: string, socket: Socket): boolean => {
    const count = perAddress.get(key) ?? 0;
    const overCap = limits.connectionsPerAddress > 0 && count >= limits.connectionsPerAddress;
    if (overCap || !handshakes.take(key)) {
      counters.refused++;
      return false;
    }
    perAddress.set(key, count + 1);
    socket.once("close", () => {
      const left = (perAddress.get(key) ?? 1) - 1;
      if (left <= 0) perAddress.delete(key);
      else perAddress.set(key, left);
    });
    return true;
  };

  http.on("connection", (socket: Socket) => {
    const proxied = proxies.trusts(socket.remoteAddress);
    if (!proxied && !take(addressKey(socket.remoteAddress), socket)) {
      socket.destroy();
      return;
    }
    counters.open++;
    socket.once("close", () => counters.open--);
  });

  return {
    get open() {
      return counters.open;
    },
    get refused() {
      return counters.refused;
    },
    admit(req) {
      const socket = req.socket;
      if (!proxies.trusts(socket.remoteAddress) || admitted.has(socket)) return true;
      // A proxy opens a connection per request (nginx without upstream keepalive, HAProxy with
      // http-server-close), so a connection is one client's.
      const client = proxies.clientOf(socket.remoteAddress, req.headers["x-forwarded-for"]);
      if (!take(addressKey(client), socket)) return false;
      admitted.add(socket);
      return true;
    },
  };
}
