/**
 * Small JSON messages between the two people, over the call's `control` data channel (peer to
 * peer: the server never sees them). Several parts of the page share the one channel, each
 * listening to its own message `type` ("presence", "chat", ...).
 *
 * What arrives is untrusted: anything that is not a JSON object with a string `type`, or is
 * larger than {@linkcode MAX_MESSAGE_BYTES}, is dropped, and so is every frame over the channel's
 * rate ({@linkcode PEER_LIMITS}`.messages`), before it is parsed: a flood costs this tab a counter
 * per frame. Each channel (each remote person) has its own allowance.
 *
 * @module
 */

import { PEER_LIMITS, rateLimiter } from "./peer_limits.ts";

/** The largest message accepted, in bytes (a chat message, with room to spare). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** A message: a `type` and whatever its sender put beside it. */
export type PeerMessage = { type: string; [key: string]: unknown };

/** The part of an `RTCDataChannel` this needs (tests pass a fake). */
export interface MessageChannel {
  readonly readyState: string;
  send(data: string): void;
  addEventListener(type: "message" | "open", listener: (event: Event) => void): void;
  removeEventListener(type: "message" | "open", listener: (event: Event) => void): void;
}

/** Sending and listening by type on one channel. */
export interface PeerMessages {
  /** Sends `message` now if the channel is open; else it is dropped (returns false). */
  send(message: PeerMessage): boolean;
  /** Calls `handler` for every message of `type`; returns what stops it. */
  on(type: string, handler: (message: PeerMessage) => void): () => void;
  /** Calls `handler` when the channel opens (at once if it is open); returns what stops it. */
  onOpen(handler: () => void): () => void;
}

const buses = new WeakMap<MessageChannel, PeerMessages>();

/**
 * The message bus of `channel`: one per channel, however many parts of the page ask. `now` is
 * the clock its rate limit reads (tests hold it still).
 */
export function peerMessages(
  channel: MessageChannel,
  now: () => number = () => performance.now(),
): PeerMessages {
  const existing = buses.get(channel);
  if (existing) return existing;
  const handlers = new Map<string, Set<(message: PeerMessage) => void>>();
  const limit = rateLimiter(PEER_LIMITS.messages, now);
  channel.addEventListener("message", (event) => {
    if (!limit.take()) return;
    const message = parse((event as MessageEvent).data);
    if (!message) return;
    for (const handler of handlers.get(message.type) ?? []) handler(message);
  });
  const bus: PeerMessages = {
    send(message) {
      if (channel.readyState !== "open") return false;
      const text = JSON.stringify(message);
      if (text.length > MAX_MESSAGE_BYTES) return false;
      channel.send(text);
      return true;
    },
    on(type, handler) {
      const set = handlers.get(type) ?? new Set();
      set.add(handler);
      handlers.set(type, set);
      return () => set.delete(handler);
    },
    onOpen(handler) {
      const opened = () => handler();
      channel.addEventListener("open", opened);
      if (channel.readyState === "open") queueMicrotask(handler);
      return () => channel.removeEventListener("open", opened);
    },
  };
  buses.set(channel, bus);
  return bus;
}

function parse(data: unknown): PeerMessage | null {
  if (typeof data !== "string" || data.length > MAX_MESSAGE_BYTES) return null;
  try {
    const value = JSON.parse(data);
    const ok = typeof value === "object" && value !== null && !Array.isArray(value) &&
      typeof value.type === "string";
    return ok ? value : null;
  } catch {
    return null;
  }
}
