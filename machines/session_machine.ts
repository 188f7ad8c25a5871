/**
 * The time a person spends in a room, from Join to hang-up: the signaling connection and its
 * recovery, the seat, and the other person coming and going.
 *
 * - **Server**: connect and join; when the connection drops, try again after 0.25 s, doubling up
 *   to 1 s (spread by the jitter the signaling actor draws); a device whose network is back tries
 *   at once. The first connection counts as unreachable after three failed attempts.
 * - **Room**: joining, then waiting alone or talking; talking invokes one negotiation
 *   (`negotiation_machine.ts`) per peer connection. A new page on the other side means a new
 *   peer connection; the same page back after a blip keeps it. Back after our held seat expired
 *   (`seat: "expired"`), the other side has dropped our connection: start a new one.
 *
 * It is invoked by the call machine while the person is in the call, reports failures with
 * `session.failed` and finishes (a final state) once the person has left. Tags: `joining`,
 * `waiting`, `talking`, `reconnecting`, `leaving`.
 *
 * @module
 */
import { assign, forwardTo, fromCallback, not, sendParent, sendTo, setup } from "xstate";
import type { IceServer, IceTransportPolicy, Joined } from "../protocol/signaling.ts";
import type {
  CallFailure,
  ConnectionFailure,
  PeerAbsence,
  SessionCommand,
  SessionInput,
  SessionReport,
  SignalingCommand,
  SignalingEvent,
  SignalingInput,
  StreamLike,
} from "./call_types.ts";
import {
  type NegotiationCommand,
  negotiationMachine,
  type NegotiationReport,
} from "./negotiation_machine.ts";

/** Failed connection attempts after which a server never reached counts as unreachable. */
export const ATTEMPTS_BEFORE_UNREACHABLE = 3;

/** Every event the session machine handles. */
export type SessionEvent = SessionCommand | SignalingEvent | NegotiationReport;

interface SessionContext {
  roomId: string;
  stream: StreamLike | null;
  polite: boolean;
  iceServers: IceServer[];
  /** Relayed candidates only: the server says so for every call, or the person chose it. */
  relayOnly: boolean;
  iceTransportPolicy: IceTransportPolicy;
  /** The other member's page (its signaling session), once known. */
  peerSession: string | null;
  /** Whether this side starts the negotiation of the current peer connection. */
  initiator: boolean;
  peerAbsence: PeerAbsence;
  /** Whether the room was ever joined: a lost connection is then a reconnection. */
  joinedOnce: boolean;
  /** Failed connection attempts in a row. */
  attempts: number;
  /** Spread of the next wait, from the signaling actor (0.7-1.3). */
  jitter: number;
  /** Why the browsers could not connect, while the room says so. */
  connectionFailure: ConnectionFailure | null;
}

function joinedInfo(event: SessionEvent): Joined | null {
  return event.type === "signal.joined" || event.type === "signal.restored" ? event.joined : null;
}

function notProvided(): never {
  throw new Error(`the session machine's "signaling" actor was not provided`);
}

/** The session machine; `signaling` (and the negotiation's peer connection) are provided. */
export const sessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    /** The signaling connection: connects when told, joins, relays, reports what happens. */
    signaling: fromCallback<SignalingCommand, SignalingInput>(notProvided),
    negotiation: negotiationMachine,
  },
  actions: {
    tellServer: sendTo("signaling", (_, command: SignalingCommand) => command),
    tellNegotiation: sendTo("negotiation", (_, command: NegotiationCommand) => command),
    toNegotiation: forwardTo("negotiation"),
    keepStream: assign(({ context, event }) => ({
      stream: "stream" in event ? event.stream : context.stream,
    })),
    keepIceServers: assign(({ context, event }) => ({
      iceServers: event.type === "signal.iceServers" ? event.iceServers : context.iceServers,
    })),
    fail: sendParent((_, failure: CallFailure) => ({
      type: "session.failed",
      failure,
    } satisfies SessionReport)),
    takeSeat: assign(({ context, event }) => {
      const joined = joinedInfo(event)!;
      return {
        polite: joined.role === "polite",
        iceServers: joined.iceServers,
        iceTransportPolicy: context.relayOnly ? "relay" as const : joined.iceTransportPolicy,
        joinedOnce: true,
        attempts: 0,
      };
    }),
    /** A new peer connection with the other person: we make its first offer, or they do. */
    meetPeer: assign(({ context, event }, how: "offering" | "answering" | "alone") => ({
      peerSession: how === "alone"
        ? null
        : event.type === "peer.joined"
        ? event.peer.session
        : joinedInfo(event)?.peer?.session ?? context.peerSession,
      initiator: how === "offering",
      peerAbsence: null,
    })),
    noteAbsence: assign((_, absence: PeerAbsence) => ({ peerAbsence: absence })),
    countAttempt: assign(({ context, event }) => ({
      attempts: context.attempts + 1,
      jitter: "jitter" in event ? event.jitter : 1,
    })),
  },
  guards: {
    peerPresent: ({ event }) => joinedInfo(event)?.peer != null,
    samePeer: ({ context, event }) =>
      event.type === "peer.joined" && event.peer.session === context.peerSession,
    peerClosed: ({ event }) => event.type === "peer.away" && event.reason === "closed",
    seatExpired: ({ event }) => joinedInfo(event)?.seat === "expired",
    seatExpiredPeerStayed: ({ event }) =>
      joinedInfo(event)?.seat === "expired" && joinedInfo(event)?.peer != null,
    roomFull: ({ event }) => event.type === "signal.rejected" && event.error.code === "room-full",
    mayRetry: ({ context }) =>
      context.joinedOnce || context.attempts + 1 < ATTEMPTS_BEFORE_UNREACHABLE,
  },
  delays: {
    /**
     * Wait before the next connection attempt: 0.25 s doubling up to 1 s, times the jitter. A
     * restarted server has its people back within about a second of being back; 1,000 clients
     * spread over that second is a load it takes (`deno task bench`).
     */
    backoff: ({ context }) =>
      Math.round(Math.min(250 * 2 ** Math.max(0, context.attempts - 1), 1000) * context.jitter),
    /** How long hanging up waits for the server to confirm. */
    leaveTimeout: 1000,
  },
}).createMachine({
  id: "session",
  context: ({ input }) => ({
    roomId: input.roomId,
    stream: input.stream,
    polite: false,
    iceServers: [],
    relayOnly: input.relayOnly ?? false,
    iceTransportPolicy: input.relayOnly ? "relay" : "all",
    peerSession: null,
    initiator: false,
    peerAbsence: null,
    joinedOnce: false,
    attempts: 0,
    jitter: 1,
    connectionFailure: null,
  }),
  invoke: {
    id: "signaling",
    src: "signaling",
    input: ({ context }) => ({ roomId: context.roomId }),
  },
  initial: "active",
  states: {
    active: {
      type: "parallel",
      on: {
        "user.hangUp": "leaving",
        "media.added": { actions: assign({ stream: ({ event }) => event.stream }) },
        "media.replaced": { actions: assign({ stream: ({ event }) => event.stream }) },
        "signal.rejected": [
          { guard: "roomFull", actions: { type: "fail", params: { kind: "room-full" } } },
          {
            actions: {
              type: "fail",
              params: ({ event }) => ({ kind: "rejected", error: event.error }),
            },
          },
        ],
        "signal.seatTaken": { actions: { type: "fail", params: { kind: "replaced" } } },
        "signal.iceServers": { actions: assign({ iceServers: ({ event }) => event.iceServers }) },
      },
      states: {
        server: {
          initial: "connecting",
          states: {
            connecting: {
              tags: ["connecting"],
              entry: { type: "tellServer", params: { type: "connect" } },
              on: {
                "signal.joined": { target: "online", actions: "takeSeat" },
                "signal.restored": { target: "online", actions: "takeSeat" },
                "signal.connectFailed": [
                  { guard: "mayRetry", target: "backingOff", actions: "countAttempt" },
                  { actions: { type: "fail", params: { kind: "unreachable" } } },
                ],
              },
            },
            backingOff: {
              tags: ["connecting"],
              on: { "network.online": "connecting" },
              after: { backoff: "connecting" },
            },
            online: {
              on: { "signal.lost": { target: "backingOff", actions: "countAttempt" } },
            },
          },
        },
        room: {
          initial: "joining",
          states: {
            joining: {
              tags: ["joining"],
              on: {
                "signal.joined": [
                  {
                    guard: "peerPresent",
                    target: "talking",
                    actions: { type: "meetPeer", params: "offering" },
                  },
                  { target: "waiting" },
                ],
              },
            },
            waiting: {
              tags: ["waiting"],
              on: {
                "peer.joined": {
                  target: "talking",
                  actions: { type: "meetPeer", params: "answering" },
                },
                "peer.left": {
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "signal.restored": {
                  guard: "seatExpiredPeerStayed",
                  target: "talking",
                  actions: { type: "meetPeer", params: "offering" },
                },
              },
            },
            talking: {
              tags: ["talking"],
              invoke: {
                id: "negotiation",
                src: "negotiation",
                input: ({ context }) => ({
                  iceServers: context.iceServers,
                  iceTransportPolicy: context.iceTransportPolicy,
                  polite: context.polite,
                  initiator: context.initiator,
                  stream: context.stream,
                }),
              },
              on: {
                "peer.joined": [
                  // The same page back after a blip: the media may never have stopped.
                  {
                    guard: "samePeer",
                    actions: [
                      { type: "noteAbsence", params: null },
                      { type: "tellNegotiation", params: { type: "peer.returned" } },
                    ],
                  },
                  // A new page on the other side: a new peer connection for it.
                  {
                    target: "talking",
                    reenter: true,
                    actions: { type: "meetPeer", params: "answering" },
                  },
                ],
                "peer.left": {
                  target: "waiting",
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "peer.away": [
                  // Their page closed or reloaded: that peer connection is gone for good.
                  {
                    guard: "peerClosed",
                    target: "waiting",
                    actions: { type: "noteAbsence", params: "closed" },
                  },
                  // Their connection went silent: the media may still flow, or come back.
                  { actions: [{ type: "noteAbsence", params: "away" }, "toNegotiation"] },
                ],
                "signal.restored": [
                  // Our seat expired meanwhile: the other side dropped this connection.
                  {
                    guard: "seatExpiredPeerStayed",
                    target: "talking",
                    reenter: true,
                    actions: { type: "meetPeer", params: "offering" },
                  },
                  {
                    guard: "seatExpired",
                    target: "waiting",
                    actions: { type: "meetPeer", params: "alone" },
                  },
                  { actions: "toNegotiation" },
                ],
                "signal.lost": { actions: "toNegotiation" },
                "signal.message": { actions: "toNegotiation" },
                "signal.iceServers": { actions: ["keepIceServers", "toNegotiation"] },
                "media.added": { actions: ["keepStream", "toNegotiation"] },
                "media.replaced": { actions: ["keepStream", "toNegotiation"] },
                "negotiation.signal": {
                  actions: {
                    type: "tellServer",
                    params: ({ event }) => ({ type: "send", message: event.message }),
                  },
                },
                "negotiation.abandoned": "waiting",
                "negotiation.failed": {
                  target: "failed",
                  actions: assign({ connectionFailure: ({ event }) => event.reason }),
                },
              },
            },
            // The browsers could not connect (or reconnect): said, with the seat kept, so the
            // other person is not told this one left. Retry starts a new peer connection.
            failed: {
              tags: ["failed"],
              on: {
                "user.retry": {
                  target: "talking",
                  actions: [
                    assign({ connectionFailure: null }),
                    { type: "meetPeer", params: "offering" },
                  ],
                },
                "peer.joined": {
                  guard: not("samePeer"),
                  target: "talking",
                  actions: [
                    assign({ connectionFailure: null }),
                    { type: "meetPeer", params: "answering" },
                  ],
                },
                "peer.left": {
                  target: "waiting",
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "peer.away": {
                  guard: "peerClosed",
                  target: "waiting",
                  actions: { type: "noteAbsence", params: "closed" },
                },
              },
            },
          },
        },
      },
    },
    // Hanging up: tell the server the seat is given up, then finish (or finish anyway).
    leaving: {
      tags: ["leaving"],
      entry: { type: "tellServer", params: { type: "leave" } },
      on: { "signal.left": "left" },
      after: { leaveTimeout: "left" },
    },
    left: { type: "final" },
  },
});
