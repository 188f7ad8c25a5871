/**
 * Helpers of the hostile-clients suite (tests/server/hostile_test.ts): measuring an honest pair's
 * relay times, the server's memory, connection floods from a process of their own.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type Ack,
  type Candidate,
  type JoinAck,
  type Joined,
  newRoomId,
  randomToken,
} from "../../protocol/signaling.ts";
import {
  type ClientGroup,
  closeClient,
  connectClient,
  emitWithAck,
  nextEvent,
  ROOT_DIR,
  type RunningServer,
} from "./server.ts";

/** A host candidate, as a browser would send it. */
export const candidate: Candidate = {
  candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The honest pair relays a candidate every `everyMs` (A to B) until `stop` resolves; returns each
 * relay's time from send to arrival, in ms, and how many were refused.
 */
export async function measureRelays(
  pair: { a: Socket; b: Socket },
  stop: Promise<unknown>,
  everyMs = 50,
): Promise<{ latencies: number[]; refused: number }> {
  const latencies: number[] = [];
  let refused = 0;
  let stopped = false;
  stop.then(() => stopped = true);
  while (!stopped) {
    const started = performance.now();
    const arrived = nextEvent(pair.b, "signal", 5000).then(() => performance.now() - started);
    const ack = await emitWithAck<Ack>(pair.a, "signal", { candidate });
    if (!ack.ok) refused++;
    else latencies.push(await arrived);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return { latencies, refused };
}

/** The `p` quantile (0..1) of `values`. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** The server's resident memory in MB, from /proc. */
export async function rssMb(server: RunningServer): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${server.pid}/status`).catch(() => "");
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  if (kb === undefined) {
    throw new Error(`the server (pid ${server.pid}) is gone; it printed:\n${server.output()}`);
  }
  return Number(kb) / 1024;
}

/** Prints one case's figures on one line. */
export function report(name: string, figures: Record<string, unknown>): void {
  const shown = Object.entries(figures).map(([k, v]) =>
    `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(1) : v}`
  );
  console.log(`  [${name}] ${shown.join(" ")}`);
}

/** Runs tests/helpers/connection_flood.ts with a file limit well above the server's. */
export function connectionFlood(url: string, count: number) {
  return floodProcess<{ connected: number; closedByServer: number; failedToConnect: number }>(
    "connection_flood.ts",
    [url, String(count)],
  );
}

/**
 * Runs tests/helpers/attachment_flood.ts: `count` connections from `addresses` (this machine's
 * loopback addresses, 127.0.0.2 and on), each announcing two binary attachments and sending one
 * of `bytes`, then answering pings for `holdMs`.
 */
export function attachmentFlood(
  url: string,
  options: { count: number; addresses: string[]; holdMs: number; bytes: number },
) {
  const { count, addresses, holdMs, bytes } = options;
  return floodProcess<{ connected: number; closedByServer: number; failed: number }>(
    "attachment_flood.ts",
    [url, String(count), addresses.join(","), String(holdMs), String(bytes)],
  );
}

/** Runs a flood script of tests/helpers with a file limit of its own; its last line, parsed. */
async function floodProcess<T>(script: string, args: string[]): Promise<T> {
  const { stdout, stderr, code } = await new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n 4096 && exec "$0" run --allow-net "$@"`,
      Deno.execPath(),
      `${ROOT_DIR}tests/helpers/${script}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!) as T;
}

/** Time until a Socket.IO client gets in (ms), trying until `deadlineMs`. */
export async function timeToConnect(url: string, deadlineMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    try {
      const socket = await connectClient(url, { timeoutMs: 1000 });
      await closeClient(socket);
      return performance.now() - started;
    } catch {
      await sleep(100);
    }
  }
  return Infinity;
}

/** Asks to join `room` with a fresh session. */
export function join(socket: Socket, room: string): Promise<JoinAck> {
  return emitWithAck<JoinAck>(socket, "join", { room, session: randomToken(9) });
}

/** Joins `room`, failing the test when refused. */
export async function joined(socket: Socket, room: string): Promise<Joined> {
  const ack = await join(socket, room);
  assert.equal(ack.ok, true, `join failed: ${JSON.stringify(ack)}`);
  return ack as { ok: true } & Joined;
}

/** Two clients seated in one room. */
export async function honestPair(clients: ClientGroup, room = newRoomId()) {
  const a = await clients.connect();
  const b = await clients.connect();
  await joined(a, room);
  const arrived = nextEvent(b, "peer-joined").catch(() => {});
  await joined(b, room);
  await arrived;
  return { a, b };
}
