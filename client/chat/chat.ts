/**
 * Chat between the people of a call: text messages over each call's `control` data channel (type
 * "chat", through {@linkcode peerMessages}), peer to peer: a message goes to everyone over their
 * own channel, kept in memory for this call only (never stored, gone when the page closes; the chat
 * keeps the last `MAX_CHAT_MESSAGES`). A connection is attached as soon as its channels exist: what
 * is sent while one is still opening (a new connection with someone, as the others talk) waits for
 * it, up to `MAX_WAITING` messages.
 *
 * What arrives is plain text, made safe to show by `visibleText` (no bidi overrides, invisible
 * characters, stacks of marks or line breaks); {@linkcode linkParts} splits it into text and
 * http(s) links, which the view renders with `textContent` and `href` only, never as HTML. A
 * peer sending faster than `PEER_LIMITS.chat` has the surplus left out, and the person is told
 * how many were ({@linkcode ChatOptions.onLeftOut}).
 *
 * @module
 */
import { PEER_LIMITS, rateLimiter } from "../effects/peer_limits.ts";
import type { PeerMessage, PeerMessages } from "../effects/peer_messages.ts";
import { visibleText } from "../text/safe_text.ts";

/** The longest message, in characters; longer ones are cut when sent, dropped when received. */
export const MAX_CHAT_CHARS = 4000;

/**
 * The most messages kept for one connection that is still opening: no more than the other side
 * shows at once (`PEER_LIMITS.chat.burst`), so none of them is left out there.
 */
export const MAX_WAITING = PEER_LIMITS.chat.burst;

/** One message of the conversation. */
export interface ChatMessage {
  from: "me" | "them";
  /** Whose it is, when it is theirs: the session `attach` was given (a group has several). */
  peer?: string;
  text: string;
  at: number;
}

/** A piece of a message: text, or a link to show as its address. */
export type MessagePart = { text: string } | { text: string; href: string };

/** The conversation of this call. */
export interface Chat {
  /**
   * Sends `text` (made safe, trimmed; nothing when empty) to everyone attached; false when no one
   * has an open channel.
   */
  send(text: string): boolean;
  /**
   * Speaks over `bus` too from now on (the channel of `peer`, one of the people in the call; a
   * new connection after a reconnect replaces theirs); returns a stop.
   */
  attach(bus: PeerMessages, peer?: string): () => void;
}

/** What a chat tells its page. */
export interface ChatOptions {
  /** A message to show, sent or received. */
  onMessage(message: ChatMessage): void;
  /** A message of theirs was left out: it came faster than `PEER_LIMITS.chat`. */
  onLeftOut?(): void;
}

/** A chat; its messages go to `options.onMessage`. */
export function createChat(options: ChatOptions): Chat {
  /** Each connection attached, with what waits for it to open. */
  const buses = new Map<PeerMessages, PeerMessage[]>();
  return {
    send(text) {
      const clean = visibleText(text).trim().slice(0, MAX_CHAT_CHARS);
      if (!clean) return true;
      const message = { type: "chat", text: clean };
      const opening: PeerMessage[][] = [];
      let sent = false;
      for (const [bus, waiting] of buses) {
        if (bus.send(message)) sent = true;
        else opening.push(waiting);
      }
      if (!sent) return false;
      for (const waiting of opening) if (waiting.length < MAX_WAITING) waiting.push(message);
      options.onMessage({ from: "me", text: clean, at: Date.now() });
      return true;
    },
    attach(next, peer) {
      const waiting: PeerMessage[] = [];
      buses.set(next, waiting);
      const stopOpen = next.onOpen(() => {
        while (waiting.length && next.send(waiting[0])) waiting.shift();
      });
      // This connection's allowance: one remote person's.
      const limit = rateLimiter(PEER_LIMITS.chat);
      const stop = next.on("chat", (message) => {
        const { text } = message;
        if (typeof text !== "string" || text.length > MAX_CHAT_CHARS) return;
        if (!limit.take()) return options.onLeftOut?.();
        const clean = visibleText(text).trim();
        if (clean) options.onMessage({ from: "them", peer, text: clean, at: Date.now() });
      });
      return () => {
        stop();
        stopOpen();
        buses.delete(next);
      };
    },
  };
}

const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * `text` cut into plain text and links. Only http and https addresses become links (never
 * `javascript:` or `data:`); punctuation that ends a sentence is left out of the link.
 */
export function linkParts(text: string): MessagePart[] {
  const parts: MessagePart[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let address = match[0];
    const trailing = /[.,;:!?)\]}]+$/.exec(address)?.[0] ?? "";
    address = address.slice(0, address.length - trailing.length);
    let href: string | null = null;
    try {
      const url = new URL(address);
      if (url.protocol === "http:" || url.protocol === "https:") href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push({ text: address, href });
    last = match.index + address.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
