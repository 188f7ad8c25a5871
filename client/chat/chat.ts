/**
 * Chat between the two people: text messages over the call's `control` data channel (type
 * "chat", through {@linkcode peerMessages}), peer to peer, kept in memory for this call only
 * (never stored, gone when the page closes).
 *
 * What arrives is plain text: {@linkcode linkParts} splits it into text and http(s) links, which
 * the view renders with `textContent` and `href` only, never as HTML.
 *
 * @module
 */
import type { PeerMessages } from "../effects/peer_messages.ts";

/** The longest message, in characters; longer ones are cut when sent, dropped when received. */
export const MAX_CHAT_CHARS = 4000;

/** One message of the conversation. */
export interface ChatMessage {
  from: "me" | "them";
  text: string;
  at: number;
}

/** A piece of a message: text, or a link to show as its address. */
export type MessagePart = { text: string } | { text: string; href: string };

/** The conversation of this call. */
export interface Chat {
  readonly messages: readonly ChatMessage[];
  /** Sends `text` (trimmed; nothing when empty); false when there is no open channel. */
  send(text: string): boolean;
  /** Speaks over `bus` from now on (a new connection after a reconnect); returns a stop. */
  attach(bus: PeerMessages): () => void;
}

/** A chat that calls `onChange` whenever a message is added. */
export function createChat(onChange: (message: ChatMessage) => void): Chat {
  const messages: ChatMessage[] = [];
  let bus: PeerMessages | null = null;
  const add = (message: ChatMessage) => {
    messages.push(message);
    onChange(message);
  };
  return {
    messages,
    send(text) {
      const trimmed = text.trim().slice(0, MAX_CHAT_CHARS);
      if (!trimmed) return true;
      if (!bus?.send({ type: "chat", text: trimmed })) return false;
      add({ from: "me", text: trimmed, at: Date.now() });
      return true;
    },
    attach(next) {
      bus = next;
      const stop = next.on("chat", (message) => {
        const { text } = message;
        if (typeof text !== "string" || !text.trim() || text.length > MAX_CHAT_CHARS) return;
        add({ from: "them", text, at: Date.now() });
      });
      return () => {
        stop();
        if (bus === next) bus = null;
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
