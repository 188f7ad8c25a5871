/**
 * Back-pressure: how many bytes are waiting to be written to one client, and which clients have
 * been behind for too long. The relay refuses to queue more for a client over the bound, so a
 * client that does not read cannot make the server hold more than about the bound for it.
 *
 * @module
 */
import type { Socket } from "socket.io";
import type { NowClock } from "./rate_limit.ts";

interface EngineConnection {
  /** Packets Engine.IO holds until the transport can take them. */
  writeBuffer?: { data?: unknown }[];
  /** The WebSocket transport's `ws` socket; `bufferedAmount` is what the TCP socket still holds. */
  transport?: { socket?: { bufferedAmount?: number } };
}

/** Bytes queued for `socket`: Engine.IO's write buffer plus what its WebSocket has not sent. */
export function queuedBytes(socket: Pick<Socket, "conn">): number {
  const conn = socket.conn as unknown as EngineConnection;
  let total = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    if (typeof data === "string") total += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) total += data.byteLength;
  }
  return total + (conn.transport?.socket?.bufferedAmount ?? 0);
}

/** Verdict on a client about to be sent something. */
export type QueueState = "ok" | "behind" | "stalled";

/** Tracks clients over the send-queue bound, and for how long. */
export class SlowReaders {
  #behindSince = new Map<string, number>();
  #bound: number;
  #stallMs: number;
  #clock: NowClock;

  constructor(options: { boundBytes: number; stallMs: number; clock?: NowClock }) {
    this.#bound = options.boundBytes;
    this.#stallMs = options.stallMs;
    this.#clock = options.clock ?? { now: () => Date.now() };
  }

  /**
   * `ok` when `queued` bytes are within the bound; `behind` when over it; `stalled` when it has
   * been over it for the stall time (disconnect it).
   */
  check(id: string, queued: number): QueueState {
    if (queued <= this.#bound) {
      this.#behindSince.delete(id);
      return "ok";
    }
    const now = this.#clock.now();
    const since = this.#behindSince.get(id) ?? now;
    this.#behindSince.set(id, since);
    return now - since >= this.#stallMs ? "stalled" : "behind";
  }

  /** Ids currently over the bound (to look at again later). */
  behind(): string[] {
    return [...this.#behindSince.keys()];
  }

  /** Forgets a closed client. */
  forget(id: string): void {
    this.#behindSince.delete(id);
  }
}

/**
 * Looks at slow readers every `everyMs`: one over the bound that nobody sends to any more, and
 * the sockets `alsoLookAt` names, are disconnected once stalled. Returns the timer (unref'd).
 */
export function sweepSlowReaders(
  slow: SlowReaders,
  options: {
    socket: (
      id: string,
    ) => (Pick<Socket, "conn"> & { disconnect(close: boolean): unknown }) | undefined;
    alsoLookAt: () => Iterable<string>;
    everyMs: number;
  },
): ReturnType<typeof setInterval> {
  const look = (id: string, forgetIfGone: boolean) => {
    const socket = options.socket(id);
    if (!socket) {
      if (forgetIfGone) slow.forget(id);
    } else if (slow.check(id, queuedBytes(socket)) === "stalled") socket.disconnect(true);
  };
  const timer = setInterval(() => {
    for (const id of slow.behind()) look(id, true);
    for (const id of options.alsoLookAt()) look(id, false);
  }, options.everyMs);
  Deno.unrefTimer(timer as unknown as number);
  return timer;
}
