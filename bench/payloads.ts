/**
 * The messages of one benchmark negotiation: a Chromium-shaped offer of about 4 KB of SDP, an
 * answer, and ICE candidates, each carrying a tag (room, sender, sequence number, send time) that
 * the receiver reads back to check who the message was meant for and how long it took.
 *
 * The tag rides inside the SDP's `s=` line and at the end of the candidate line, so it survives
 * Parley's validation (which passes on only `{ description: { type, sdp } }` and the four
 * candidate fields) and costs every server the same bytes.
 *
 * @module
 */

/** Who sent a message, and when. */
export interface Tag {
  room: string;
  /** `a` (the offerer) or `b` (the answerer). */
  sender: string;
  /** Per-sender sequence number, from 1. */
  seq: number;
  /** Send time, ms since the epoch with sub-ms precision (`performance.timeOrigin + now()`). */
  sentAt: number;
}

/** A description or candidate as the protocols carry them. */
export type Signal =
  | { description: { type: "offer" | "answer"; sdp: string } }
  | {
    candidate: {
      candidate: string;
      sdpMid: string | null;
      sdpMLineIndex: number | null;
      usernameFragment: string | null;
    };
  };

/** ICE candidates each side sends per negotiation. */
export const CANDIDATES_PER_SIDE = 10;

/** Messages one side sends per negotiation: a description and the candidates. */
export const MESSAGES_PER_SIDE = 1 + CANDIDATES_PER_SIDE;

/** The current time in the tag's clock. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Serializes a tag; the inverse of {@linkcode parseTag}. */
export function formatTag(tag: Tag): string {
  return `${tag.room}~${tag.sender}~${tag.seq}~${tag.sentAt.toFixed(3)}`;
}

/** Reads a tag back; null when `text` is not one. */
export function parseTag(text: string): Tag | null {
  const parts = text.split("~");
  if (parts.length !== 4) return null;
  const seq = Number(parts[2]);
  const sentAt = Number(parts[3]);
  if (!Number.isFinite(seq) || !Number.isFinite(sentAt)) return null;
  return { room: parts[0], sender: parts[1], seq, sentAt };
}

/** A session description of about 4.4 KB (offer) or 4 KB (answer) carrying `tag`. */
export function description(type: "offer" | "answer", tag: Tag): Signal {
  const [before, after] = SDP_TEMPLATES[type];
  return { description: { type, sdp: before + formatTag(tag) + after } };
}

/** The `index`-th ICE candidate (0-based) carrying `tag`. */
export function candidate(index: number, tag: Tag): Signal {
  const kinds = ["host", "srflx", "relay"];
  const kind = kinds[index % kinds.length];
  const port = 50000 + index;
  const line = `candidate:${1000000000 + index * 7919} 1 udp ${2122260223 - index * 1000} ` +
    `127.0.0.${1 + (index % 200)} ${port} typ ${kind}` +
    (kind === "host" ? "" : ` raddr 0.0.0.0 rport 0`) +
    ` generation 0 ufrag sXP5 network-id 1 network-cost 10 x-bench ${formatTag(tag)}`;
  return {
    candidate: {
      candidate: line,
      sdpMid: String(index % 2),
      sdpMLineIndex: index % 2,
      usernameFragment: "sXP5",
    },
  };
}

/** The tag a received signal carries, or null when it carries none. */
export function tagOf(signal: unknown): Tag | null {
  if (typeof signal !== "object" || signal === null) return null;
  if ("description" in signal) {
    const sdp = (signal as { description?: { sdp?: unknown } }).description?.sdp;
    if (typeof sdp !== "string") return null;
    const start = sdp.indexOf("\r\ns=");
    if (start < 0) return null;
    const end = sdp.indexOf("\r\n", start + 4);
    return parseTag(sdp.slice(start + 4, end < 0 ? undefined : end));
  }
  if ("candidate" in signal) {
    const line = (signal as { candidate?: { candidate?: unknown } }).candidate?.candidate;
    if (typeof line !== "string") return null;
    const at = line.lastIndexOf(" x-bench ");
    return at < 0 ? null : parseTag(line.slice(at + 9));
  }
  return null;
}

/** Whether a received signal is a description of `type`. */
export function isDescription(signal: unknown, type: "offer" | "answer"): boolean {
  return typeof signal === "object" && signal !== null && "description" in signal &&
    (signal as { description?: { type?: unknown } }).description?.type === type;
}

const CODECS: Array<[number, string, string[]]> = [
  [96, "VP8/90000", []],
  [97, "rtx/90000", ["apt=96"]],
  [98, "VP9/90000", ["profile-id=0"]],
  [99, "rtx/90000", ["apt=98"]],
  [100, "VP9/90000", ["profile-id=2"]],
  [101, "rtx/90000", ["apt=100"]],
  [102, "H264/90000", [
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f",
  ]],
  [103, "rtx/90000", ["apt=102"]],
  [104, "H264/90000", [
    "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f",
  ]],
  [105, "rtx/90000", ["apt=104"]],
  [106, "H264/90000", [
    "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  ]],
  [107, "rtx/90000", ["apt=106"]],
  [108, "AV1/90000", ["level-idx=5;profile=0;tier=0"]],
  [109, "rtx/90000", ["apt=108"]],
  [114, "red/90000", []],
  [115, "rtx/90000", ["apt=114"]],
  [116, "ulpfec/90000", []],
];

/** Each SDP split around its tag, built once: the load generator should spend its time relaying. */
const SDP_TEMPLATES = {
  offer: sdp("offer", "\u0000").split("\u0000"),
  answer: sdp("answer", "\u0000").split("\u0000"),
};

function sdp(type: "offer" | "answer", tag: string): string {
  const setup = type === "offer" ? "actpass" : "active";
  const fingerprint = Array.from(
    { length: 32 },
    (_, i) => (i * 37 % 256).toString(16).padStart(2, "0"),
  )
    .join(":").toUpperCase();
  const common = [
    "c=IN IP4 0.0.0.0",
    "a=ice-ufrag:sXP5",
    "a=ice-pwd:Fj3kq9xTtL2mNc7VwQe8RzYb",
    "a=ice-options:trickle",
    `a=fingerprint:sha-256 ${fingerprint}`,
    `a=setup:${setup}`,
  ];
  const lines = [
    "v=0",
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
    `s=${tag}`,
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS 9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
    ...common,
    "a=mid:0",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendrecv",
    "a=msid:9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6 0c2f6a1e-7d84-4b2a-9e3c-5f6a7b8c9d0e",
    "a=rtcp-mux",
    "a=rtcp-rsize",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp-fb:111 transport-cc",
    "a=fmtp:111 minptime=10;useinbandfec=1",
    "a=rtpmap:63 red/48000/2",
    "a=fmtp:63 111/111",
    "a=rtpmap:9 G722/8000",
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:8 PCMA/8000",
    "a=rtpmap:13 CN/8000",
    "a=rtpmap:110 telephone-event/48000",
    "a=rtpmap:126 telephone-event/8000",
    "a=ssrc:1829375612 cname:Qm3vLx9TtYp2Kd8a",
    "a=ssrc:1829375612 msid:9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6 0c2f6a1e-7d84-4b2a-9e3c",
    `m=video 9 UDP/TLS/RTP/SAVPF ${CODECS.map(([pt]) => pt).join(" ")}`,
    ...common,
    "a=mid:1",
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset",
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
    "a=extmap:13 urn:3gpp:video-orientation",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay",
    "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type",
    "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing",
    "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space",
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
    "a=sendrecv",
    "a=msid:9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    "a=rtcp-mux",
    "a=rtcp-rsize",
  ];
  const codecs = type === "offer" ? CODECS : CODECS.slice(0, 12);
  for (const [pt, name, fmtp] of codecs) {
    lines.push(`a=rtpmap:${pt} ${name}`);
    if (!name.startsWith("rtx") && !name.startsWith("red") && !name.startsWith("ulpfec")) {
      lines.push(
        `a=rtcp-fb:${pt} goog-remb`,
        `a=rtcp-fb:${pt} transport-cc`,
        `a=rtcp-fb:${pt} ccm fir`,
        `a=rtcp-fb:${pt} nack`,
        `a=rtcp-fb:${pt} nack pli`,
      );
    }
    for (const f of fmtp) lines.push(`a=fmtp:${pt} ${f}`);
  }
  lines.push(
    "a=ssrc-group:FID 2236187462 3481230987",
    "a=ssrc:2236187462 cname:Qm3vLx9TtYp2Kd8a",
    "a=ssrc:2236187462 msid:9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6 5e6f7a8b-9c0d-4e1f-a2b3",
    "a=ssrc:3481230987 cname:Qm3vLx9TtYp2Kd8a",
    "a=ssrc:3481230987 msid:9f1c2a7e-1b3d-4c5e-8f90-a1b2c3d4e5f6 5e6f7a8b-9c0d-4e1f-a2b3",
  );
  return lines.join("\r\n") + "\r\n";
}
