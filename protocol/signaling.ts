/**
 * Parley's signaling protocol: the one definition of every Socket.IO event the server and the
 * client exchange, the limits, and the validation the server applies to what it receives. The
 * payload types are in `messages.ts`, re-exported here.
 *
 * Imported by `server/signaling.ts` and by `client/`; it imports nothing but its own types, so it
 * runs the same under Deno, in the browser and in the Stately editor.
 *
 * @module
 */

/** Event names, client → server. */
export const ClientEvent = {
  /** Take a seat in a room. Acknowledged with {@linkcode JoinAck}. */
  join: "join",
  /**
   * Relay a description or candidate to another member ({@linkcode OutgoingSignal}). Acknowledged
   * with {@linkcode Ack}.
   */
  signal: "signal",
  /** Give the seat up for good (hang up). Acknowledged with {@linkcode Ack}. */
  leave: "leave",
  /**
   * How many people are in a room, without taking a seat (the pre-join screen asks, before the
   * camera prompt). Request {@linkcode RoomStatusRequest}, acknowledged with
   * {@linkcode RoomStatusAck}.
   */
  roomStatus: "room-status",
  /** Ask for the ICE servers, for the connection check page. Acknowledged with {@linkcode CheckAck}. */
  check: "check",
} as const;

/** Event names, server → client. */
export const ServerEvent = {
  /** A description or candidate from another member ({@linkcode IncomingSignal}). */
  signal: "signal",
  /** Another member took its seat, or took it back ({@linkcode PeerInfo}). */
  peerJoined: "peer-joined",
  /** Another member's connection to the server dropped; its seat is held ({@linkcode PeerAway}). */
  peerAway: "peer-away",
  /** Another member left the room for good ({@linkcode PeerLeft}). */
  peerLeft: "peer-left",
  /**
   * This connection's seat was taken back by a newer page of the same tab or browser (its resume
   * token); the server closes this connection right after ({@linkcode SeatTaken}).
   */
  seatTaken: "seat-taken",
  /**
   * Fresh ICE servers (new TURN credentials) for a call in progress, sent to a seated member of a
   * minted room before its TURN credential expires ({@linkcode IceServersRenewed}). Apply them with
   * `RTCPeerConnection.setConfiguration` and use them for the next ICE restart or rejoin.
   */
  iceServers: "ice-servers",
} as const;

export type * from "./messages.ts";
import type {
  Description,
  ErrorCode,
  JoinRequest,
  OutgoingSignal,
  ProtocolError,
  Role,
  RoomStatusRequest,
} from "./messages.ts";

/** Limits the server enforces; exported so clients and tests agree with it. */
export const Limits = {
  /**
   * Longest SDP accepted (Chromium's offers are 4-8 KB): 64 KiB, written as a literal (esbuild
   * keeps an object holding a product in bundles that never read it, the browser's).
   */
  sdpBytes: 65_536,
  /** Longest candidate line accepted. */
  candidateBytes: 1024,
  /** Most offers a join carries besides its first (`moreOffers`: a newcomer to a group of four). */
  joinOffers: 2,
  /** Longest candidate `sdpMid` accepted. */
  sdpMidLength: 64,
  /** Highest candidate `sdpMLineIndex` accepted. */
  maxMLineIndex: 1024,
  /** Longest candidate `usernameFragment` accepted. */
  usernameFragmentLength: 256,
  /** Shortest and longest session id and resume token accepted. */
  tokenMinLength: 8,
  tokenLength: 64,
  /** Shortest and longest room id accepted. */
  roomIdMinLength: 16,
  roomIdLength: 64,
  /** `check` requests one address (IPv6: one /64) may make per minute. */
  checksPerMinute: 5,
  /** Lifetime of the TURN credentials a `check` hands out, in seconds (a check takes a few). */
  checkCredentialSeconds: 60,
} as const;

/** Room ids: URL-safe base64, at least 16 characters (96 bits), at most 64. */
const ROOM_ID = /^[A-Za-z0-9_-]{16,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{8,64}$/;

/** Whether `value` is a well-formed room id. */
export function isRoomId(value: unknown): value is string {
  return typeof value === "string" && ROOM_ID.test(value);
}

/** A new room id with 128 random bits, URL-safe. */
export function newRoomId(): string {
  return randomToken(16);
}

/** `bytes` random bytes as unpadded URL-safe base64. */
export function randomToken(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Result of validating a message: the typed value, or an error to acknowledge with. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

function invalid(message: string, code: ErrorCode = "invalid-message"): Parsed<never> {
  return { ok: false, error: { code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates a `join` request. */
export function parseJoinRequest(value: unknown): Parsed<JoinRequest> {
  if (!isRecord(value)) return invalid("join expects an object { room, session }");
  const { room, session, resume, offer, moreOffers } = value;
  if (!isRoomId(room)) {
    return invalid(
      `room must be ${Limits.roomIdMinLength}-${Limits.roomIdLength} characters of A-Z, a-z, 0-9, - and _`,
      "invalid-room",
    );
  }
  if (typeof session !== "string" || !TOKEN.test(session)) {
    return invalid(
      `session must be ${Limits.tokenMinLength}-${Limits.tokenLength} characters of A-Z, a-z, 0-9, - and _`,
    );
  }
  if (resume !== undefined && (typeof resume !== "string" || !TOKEN.test(resume))) {
    return invalid("resume must be a token from an earlier join");
  }
  if (offer !== undefined) {
    const parsed = parseDescription(offer);
    if (!parsed.ok || parsed.value.type !== "offer") {
      return invalid(`offer must be { type: "offer", sdp } with 1-${Limits.sdpBytes} characters`);
    }
  }
  const more: Description[] = [];
  if (moreOffers !== undefined) {
    const wrong = `moreOffers must be a list of at most ${Limits.joinOffers} offers, with offer`;
    if (offer === undefined || !Array.isArray(moreOffers)) return invalid(wrong);
    if (moreOffers.length > Limits.joinOffers) return invalid(wrong);
    for (const each of moreOffers) {
      const parsed = parseDescription(each);
      if (!parsed.ok || parsed.value.type !== "offer") return invalid(wrong);
      more.push({ type: "offer", sdp: parsed.value.sdp });
    }
  }
  return {
    ok: true,
    value: {
      room,
      session,
      ...(resume === undefined ? {} : { resume }),
      ...(offer === undefined ? {} : { offer: { type: "offer", sdp: (offer as Description).sdp } }),
      ...(more.length === 0 ? {} : { moreOffers: more }),
    },
  };
}

/** Validates a `room-status` request. */
export function parseRoomStatusRequest(value: unknown): Parsed<RoomStatusRequest> {
  if (!isRecord(value)) return invalid("room-status expects an object { room, resume? }");
  const { resume } = value;
  if (resume !== undefined && (typeof resume !== "string" || !TOKEN.test(resume))) {
    return invalid("resume must be a token from an earlier join");
  }
  if (!isRoomId(value.room)) {
    return invalid(
      `room must be ${Limits.roomIdMinLength}-${Limits.roomIdLength} characters of A-Z, a-z, 0-9, - and _`,
      "invalid-room",
    );
  }
  const room = value.room;
  return { ok: true, value: resume === undefined ? { room } : { room, resume } };
}

/** Validates a session description: an offer or an answer, its SDP within the limit. */
function parseDescription(d: unknown): Parsed<Description> {
  if (!isRecord(d) || (d.type !== "offer" && d.type !== "answer")) {
    return invalid("description.type must be offer or answer");
  }
  if (typeof d.sdp !== "string" || d.sdp.length === 0 || d.sdp.length > Limits.sdpBytes) {
    return invalid(`description.sdp must be a string of 1-${Limits.sdpBytes} characters`);
  }
  return { ok: true, value: { type: d.type, sdp: d.sdp } };
}

/** Your perfect-negotiation role toward the member in seat `theirs` of the room, yours `mine`. */
export function roleToward(mine: number, theirs: number): Role {
  return mine > theirs ? "polite" : "impolite";
}

/**
 * Validates a `signal` payload (description or candidate, and whom it is for, nothing else) sent
 * in a room of `capacity` seats: in a room of more than two it must say whom it is for.
 */
export function parseSignal(value: unknown, capacity = 2): Parsed<OutgoingSignal> {
  if (!isRecord(value)) return invalid("signal expects an object { description } or { candidate }");
  const { to, ...rest } = value;
  if (to !== undefined && (typeof to !== "string" || !TOKEN.test(to))) {
    return invalid("signal.to must be the session of a member of the room");
  }
  if (to === undefined && capacity > 2) {
    return invalid("in a room of more than two, a signal says whom it is for (to)");
  }
  const addressed = <T>(parsed: Parsed<T>) =>
    parsed.ok && to !== undefined ? { ...parsed, value: { ...parsed.value, to } } : parsed;
  return addressed(parseMessage(rest));
}

function parseMessage(value: Record<string, unknown>): Parsed<OutgoingSignal> {
  const keys = Object.keys(value);
  if (keys.length !== 1) return invalid("signal carries exactly one of description or candidate");
  if ("description" in value) {
    const parsed = parseDescription(value.description);
    return parsed.ok ? { ok: true, value: { description: parsed.value } } : parsed;
  }
  if ("candidate" in value) {
    const c = value.candidate;
    if (!isRecord(c) || typeof c.candidate !== "string") {
      return invalid("candidate.candidate must be a string");
    }
    if (c.candidate.length > Limits.candidateBytes) {
      return invalid(`candidate.candidate is longer than ${Limits.candidateBytes} characters`);
    }
    const sdpMid = c.sdpMid ?? null;
    const sdpMLineIndex = c.sdpMLineIndex ?? null;
    const usernameFragment = c.usernameFragment ?? null;
    if (sdpMid !== null && (typeof sdpMid !== "string" || sdpMid.length > Limits.sdpMidLength)) {
      return invalid("candidate.sdpMid must be a short string or null");
    }
    if (
      sdpMLineIndex !== null &&
      (!Number.isInteger(sdpMLineIndex) || (sdpMLineIndex as number) < 0 ||
        (sdpMLineIndex as number) > Limits.maxMLineIndex)
    ) {
      return invalid("candidate.sdpMLineIndex must be a small non-negative integer or null");
    }
    if (
      usernameFragment !== null &&
      (typeof usernameFragment !== "string" ||
        usernameFragment.length > Limits.usernameFragmentLength)
    ) {
      return invalid("candidate.usernameFragment must be a short string or null");
    }
    return {
      ok: true,
      value: {
        candidate: {
          candidate: c.candidate,
          sdpMid: sdpMid as string | null,
          sdpMLineIndex: sdpMLineIndex as number | null,
          usernameFragment: usernameFragment as string | null,
        },
      },
    };
  }
  return invalid("signal carries exactly one of description or candidate");
}
