/**
 * The payloads of Parley's signaling protocol: what each Socket.IO event carries, both ways, and
 * the typed event maps Socket.IO's server and client are built with. Types only; the event names,
 * limits and validation are in `signaling.ts`, which re-exports all of these.
 *
 * @module
 */

/**
 * Perfect-negotiation role, assigned by the server for each pair of members: of two members, the
 * one in the later place ({@linkcode Joined.place}) is polite, the other impolite.
 */
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
   * session does, 2, 4 and 8 s later), possibly reaching another instance.
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
  /**
   * An offer made before joining, to save the round trip of the join: when another member is
   * seated, it is relayed to the first of {@linkcode Joined.peers} as a `signal` right after
   * `peer-joined` (and dropped with everything else sent to a member who is away). Same limits as
   * a signal's description.
   */
  offer?: Description;
  /**
   * In a group, offers for the members after the first, made before joining too (with `offer`
   * only): the i-th is relayed to `Joined.peers[i + 1]` in the same way; those beyond the members
   * seated go nowhere. At most {@linkcode Limits.joinOffers} of them.
   */
  moreOffers?: Description[];
}

/** Another member of the room, as the server tells a member of it. */
export interface PeerInfo {
  /**
   * Their page load's id (it changes on reload): signals to them name it in `to`, and signals
   * from them carry it in `from`. One peer connection per session.
   */
  session: string;
  /** Your perfect-negotiation role toward them (see {@linkcode Role}). */
  role: Role;
  /**
   * In `peer-joined`, when they took their held seat back with a new page (a reload, another tab
   * of theirs): the session of the page they had, whose peer connection is gone.
   */
  replaces?: string;
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
  /**
   * Your seat's place in the room, from 0: it stays yours while you hold the seat (across a blip
   * or a reload with the resume token). A restarted server, which forgot every seat, may give
   * another.
   */
  place: number;
  /** The other members seated (connected or away), in the order of their seats. */
  peers: PeerInfo[];
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
  /**
   * Whether a person may hide their address behind this server's TURN relay: it hands one out,
   * and does not already send every call through it (`iceTransportPolicy` "relay").
   */
  relay: boolean;
  /**
   * The ICE servers a member of the room would be given, when they carry no credentials (STUN
   * only, or none): a page may prepare its offer with them before joining. `null` when this
   * server hands out a relay, whose credentials come only with a seat.
   */
  iceServers: IceServer[] | null;
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

/** What a signal carries: exactly one of a description or a candidate. */
export type SignalMessage = { description: Description } | { candidate: Candidate };

/**
 * `signal` payload, client → server: the message and the session of the member it is for
 * ({@linkcode PeerInfo.session}). Without `to` it goes to the only other member, and is refused
 * while several are seated.
 */
export type OutgoingSignal = SignalMessage & { to?: string };

/** `signal` payload, server → client: the message and the session of the member it is from. */
export type IncomingSignal = SignalMessage & { from: string };

/** `peer-away` payload. */
export interface PeerAway {
  /** Whose connection dropped (their session). */
  session: string;
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
  /** Who left (their session). */
  session: string;
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
  signal: (message: OutgoingSignal, ack?: (reply: Ack) => void) => void;
  leave: (ack: (reply: Ack) => void) => void;
  "room-status": (request: RoomStatusRequest, ack: (reply: RoomStatusAck) => void) => void;
  check: (ack: (reply: CheckAck) => void) => void;
}

/** Socket.IO's typed event map of what the server sends. */
export interface ServerToClientEvents {
  signal: (message: IncomingSignal) => void;
  "peer-joined": (peer: PeerInfo) => void;
  "peer-away": (away: PeerAway) => void;
  "peer-left": (left: PeerLeft) => void;
  "seat-taken": (taken: SeatTaken) => void;
  "ice-servers": (renewed: IceServersRenewed) => void;
}
