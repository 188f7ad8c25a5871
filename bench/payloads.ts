/**
 * The messages of one benchmark negotiation: an offer and an answer of about 4 KB of SDP each (the
 * size of Chromium's, which the relays pass on without parsing) and ICE candidates, each carrying
 * a tag (room, sender, sequence number, send time) that the receiver reads back to check whom the
 * message was meant for and how long it took. The tag rides in the SDP's `s=` line and at the end
 * of the candidate line, so it survives Parley's validation and costs every server the same bytes.
 *
 * @module
 */
import type { SignalMessage } from "../protocol/signaling.ts";

/** Who sent a message, and when (`now()`, ms since the epoch). */
export interface Tag {
  room: string;
  /** `a` (the offerer) or `b` (the answerer). */
  sender: string;
  /** Per-sender sequence number, from 1. */
  seq: number;
  sentAt: number;
}

/** ICE candidates each side sends per negotiation; with its description, the messages it sends. */
export const CANDIDATES_PER_SIDE = 10;
export const MESSAGES_PER_SIDE = 1 + CANDIDATES_PER_SIDE;

const format = (tag: Tag) => `${tag.room}~${tag.sender}~${tag.seq}~${tag.sentAt.toFixed(3)}`;

function parse(text: string): Tag | null {
  const [room, sender, seq, sentAt, ...rest] = text.split("~");
  const valid = rest.length === 0 && Number.isFinite(Number(seq)) && Number.isFinite(+sentAt);
  return valid ? { room, sender, seq: Number(seq), sentAt: Number(sentAt) } : null;
}

// Chromium-like lines, repeated to a Chromium offer's size: relays never look inside.
const BODY = Array.from(
  { length: 60 },
  (_, i) =>
    i % 4 === 0
      ? `a=rtpmap:${96 + i} VP8/90000\r\na=rtcp-fb:${96 + i} nack pli`
      : `a=extmap:${i} http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time`,
).join("\r\n");

/** A session description carrying `tag`, about 4 KB. */
export function description(type: "offer" | "answer", tag: Tag): SignalMessage {
  const sdp = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=${format(tag)}\r\nt=0 0\r\n` +
    `a=setup:${type === "offer" ? "actpass" : "active"}\r\n${BODY}\r\n`;
  return { description: { type, sdp } };
}

/** The `index`-th ICE candidate (0-based) carrying `tag`. */
export function candidate(index: number, tag: Tag): SignalMessage {
  return {
    candidate: {
      candidate:
        `candidate:${1e9 + index * 7919} 1 udp ${2122260223 - index} 127.0.0.${1 + index} ` +
        `${50000 + index} typ host generation 0 ufrag sXP5 network-id 1 x-bench ${format(tag)}`,
      sdpMid: String(index % 2),
      sdpMLineIndex: index % 2,
      usernameFragment: "sXP5",
    },
  };
}

/** The tag a received signal carries, or null. */
export function tagOf(signal: unknown): Tag | null {
  const s = signal as { description?: { sdp?: unknown }; candidate?: { candidate?: unknown } };
  const sdp = s?.description?.sdp;
  if (typeof sdp === "string") return parse(sdp.match(/\r\ns=([^\r]*)\r\n/)?.[1] ?? "");
  const line = s?.candidate?.candidate;
  return typeof line === "string" ? parse(line.split(" x-bench ")[1] ?? "") : null;
}

/** Whether a received signal is an offer. */
export function isOffer(signal: unknown): boolean {
  return (signal as { description?: { type?: unknown } })?.description?.type === "offer";
}
