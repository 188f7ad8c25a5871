/**
 * Parley's signaling protocol: the one definition of every Socket.IO event the server and the
 * client exchange, their payload types, and the validation the server applies to what it receives.
 *
 * Imported by `server/signaling.ts` and by `client/`; it imports nothing itself so it runs the
 * same under Deno, in the browser and in the Stately editor.
 *
 * @module
 */

/** Event names, client → server. */
export const ClientEvent = {
  /** Take a seat in a room. Acknowledged with {@linkcode JoinAck}. */
  join: "join",
  /** Relay a description or candidate to the other member. Acknowledged with {@linkcode Ack}. */
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
  /** A description or candidate from the other member ({@linkcode SignalMessage}). */
  signal: "signal",
  /** The other member took its seat ({@linkcode PeerInfo}). */
  peerJoined: "peer-joined",
  /** The other member's connection to the server dropped; its seat is held ({@linkcode PeerAway}). */
  peerAway: "peer-away",
  /** The other member left the room for good ({@linkcode PeerLeft}). */
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

/** Perfect-negotiation role, assigned by the server: one seat is polite, the other impolite. */
export type Role = "polite" | "impolite";

/** Everything that can go wrong, as a stable code (for programs) and a message (for people). */
export type ErrorCode =
  | "invalid-message"
  | "invalid-room"
  | "room-full"
  | "not-joined"
  | "already-joined"
  /** Too many requests of this kind from this connection or address; see `retryAfterMs`. */
  | "rate-limited"
  /**
   * The other member is not reading what the server sends it (more than the send-queue bound is
   * waiting); the signal was not relayed. A member that stays behind is disconnected.
   */
  | "peer-behind"
  /** The room id was not minted by this deployment (only with `MINTED_ROOMS_ONLY`). */
  | "unknown-room"
  /**
   * This server cannot seat anyone right now: the shared room store (Redis) is unreachable, or
   * the server is shutting down. Calls in progress go on; try again in a few seconds (the client's
   * back-off does), possibly reaching another instance.
   */
  | "unavailable";

/** An error acknowledgement's payload. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** With `rate-limited`: milliseconds until the same request would be accepted. */
  retryAfterMs?: number;
}

/** What every acknowledged request gets back. */
export type Ack<T = Record<never, never>> =
  | ({ ok: true } & T)
  | { ok: false; error: ProtocolError };

/** ICE server entry, the subset of `RTCIceServer` Parley hands out. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Which ICE candidates a peer connection may use (`RTCIceTransportPolicy`): `relay` keeps both
 * people's addresses from each other, since everything goes through the TURN relay.
 */
export type IceTransportPolicy = "all" | "relay";

/** `join` request. */
export interface JoinRequest {
  /** Room id, see {@linkcode isRoomId}. */
  room: string;
  /** This page load's id; lets the other side tell a reload (new session) from a blip. */
  session: string;
  /** Token from an earlier {@linkcode JoinAck} of this tab: reclaims the held seat. */
  resume?: string;
}

/** Who the other member is. */
export interface PeerInfo {
  session: string;
}

/**
 * What became of the seat a `join` asked for:
 * - `resumed`: the held seat its `resume` token names was taken back;
 * - `new`: a new seat (no token, or one this server does not know, e.g. after a restart);
 * - `expired`: the token named a seat that was held and then given up when its grace ran out,
 *   so the other member was told this one left and dropped the call they had.
 */
export type SeatOutcome = "resumed" | "new" | "expired";

/** `join` acknowledgement on success. */
export interface Joined {
  role: Role;
  /** The other member, when one is seated (connected or away). */
  peer: PeerInfo | null;
  iceServers: IceServer[];
  /** Keep this (per tab) and send it back in {@linkcode JoinRequest.resume}. */
  resume: string;
  /** What became of the seat asked for, see {@linkcode SeatOutcome}. */
  seat: SeatOutcome;
  /** How long this server holds the seat of a member whose connection dropped, in milliseconds. */
  seatGraceMs: number;
  /** `relay`: this server wants every call relayed (its `ICE_TRANSPORT_POLICY`). */
  iceTransportPolicy: IceTransportPolicy;
}

/** Full `join` acknowledgement. */
export type JoinAck = Ack<Joined>;

/** `room-status` request. */
export interface RoomStatusRequest {
  room: string;
  /** This tab's resume token for the room, if it has one: is a seat held for it? */
  resume?: string;
}

/** `room-status` answer: seats taken (a member whose connection dropped keeps theirs). */
export interface RoomStatus {
  members: number;
  capacity: number;
  /** Whether one of those seats is held for the `resume` token asked about. */
  yours: boolean;
  /** Whether this server hands out a TURN relay (a person may then hide their address). */
  relay: boolean;
}

/** Full `room-status` acknowledgement. */
export type RoomStatusAck = Ack<RoomStatus>;

/** Session description as sent on the wire. */
export interface Description {
  type: "offer" | "answer";
  sdp: string;
}

/** ICE candidate as sent on the wire (`RTCIceCandidateInit`). */
export interface Candidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment: string | null;
}

/** `signal` payload, both directions: exactly one of a description or a candidate. */
export type SignalMessage = { description: Description } | { candidate: Candidate };

/** `peer-away` payload. */
export interface PeerAway {
  /**
   * `closed`: their page closed its connection (tab closed, reloaded, left the call state);
   * `lost`: their connection went silent (network gone), so media may still be flowing.
   */
  reason: "closed" | "lost";
  /** How long the seat is held before the peer counts as gone, in milliseconds. */
  graceMs: number;
}

/** `peer-left` payload. */
export interface PeerLeft {
  reason: "hang-up" | "timeout";
}

/** `seat-taken` payload. */
export interface SeatTaken {
  reason: "another-tab";
}

/** `ice-servers` payload: the whole list to use from now on (replaces the join ack's). */
export interface IceServersRenewed {
  iceServers: IceServer[];
}

/**
 * `check` acknowledgement on success: what the connection check page (`/check`) needs to gather
 * candidates and make a call through the relay. Rate-limited per address; TURN credentials in it
 * are short-lived ({@linkcode Limits.checkCredentialSeconds}).
 */
export interface CheckInfo {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
  /** Whether this server hands out a TURN relay. */
  relay: boolean;
}

/** Full `check` acknowledgement. */
export type CheckAck = Ack<CheckInfo>;

/** Socket.IO's typed event map of what the client sends (`Server<ClientToServer, ...>`). */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (reply: JoinAck) => void) => void;
  signal: (message: SignalMessage, ack?: (reply: Ack) => void) => void;
  leave: (ack: (reply: Ack) => void) => void;
  "room-status": (request: RoomStatusRequest, ack: (reply: RoomStatusAck) => void) => void;
  check: (ack: (reply: CheckAck) => void) => void;
}

/** Socket.IO's typed event map of what the server sends. */
export interface ServerToClientEvents {
  signal: (message: SignalMessage) => void;
  "peer-joined": (peer: PeerInfo) => void;
  "peer-away": (away: PeerAway) => void;
  "peer-left": (left: PeerLeft) => void;
  "seat-taken": (taken: SeatTaken) => void;
  "ice-servers": (renewed: IceServersRenewed) => void;
}

/** Limits the server enforces; exported so clients and tests agree with it. */
export const Limits = {
  /** Longest SDP accepted (Chromium's offers are 4-8 KB). */
  sdpBytes: 64 * 1024,
  /** Longest candidate line accepted. */
  candidateBytes: 1024,
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
  /** People in one room. */
  roomCapacity: 2,
  /** `check` requests one address may make per minute. */
  checksPerMinute: 10,
  /** Lifetime of the TURN credentials a `check` hands out, in seconds. */
  checkCredentialSeconds: 300,
} as const;

/** Room ids: URL-safe base64, at least 16 characters (96 bits), at most 64. */
const ROOM_ID = new RegExp(`^[A-Za-z0-9_-]{${Limits.roomIdMinLength},${Limits.roomIdLength}}$`);
const TOKEN = new RegExp(`^[A-Za-z0-9_-]{${Limits.tokenMinLength},${Limits.tokenLength}}$`);

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
  const { room, session, resume } = value;
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
  return { ok: true, value: resume === undefined ? { room, session } : { room, session, resume } };
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

/** Validates a `signal` payload (description or candidate, nothing else). */
export function parseSignal(value: unknown): Parsed<SignalMessage> {
  if (!isRecord(value)) return invalid("signal expects an object { description } or { candidate }");
  const keys = Object.keys(value);
  if (keys.length !== 1) return invalid("signal carries exactly one of description or candidate");
  if ("description" in value) {
    const d = value.description;
    if (!isRecord(d) || (d.type !== "offer" && d.type !== "answer")) {
      return invalid("description.type must be offer or answer");
    }
    if (typeof d.sdp !== "string" || d.sdp.length === 0 || d.sdp.length > Limits.sdpBytes) {
      return invalid(`description.sdp must be a string of 1-${Limits.sdpBytes} characters`);
    }
    return { ok: true, value: { description: { type: d.type, sdp: d.sdp } } };
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
