/**
 * What the session machine (`session_machine.ts`) is made of: its types, the effects it names,
 * and its actions, guards and delays. The states are in session_machine.ts.
 *
 * @module
 */
import {
  assign,
  type EventObject,
  forwardTo,
  fromCallback,
  sendParent,
  sendTo,
  setup,
} from "xstate";
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
  WarmPeerEvent,
  WarmPeerInput,
  WarmPeerLike,
} from "./call_types.ts";
import {
  type NegotiationCommand,
  negotiationMachine,
  type NegotiationReport,
} from "./negotiation_machine.ts";

/** Failed connection attempts after which a server never reached counts as unreachable. */
export const ATTEMPTS_BEFORE_UNREACHABLE = 3;

/** Every event the session machine handles. */
export type SessionEvent = SessionCommand | SignalingEvent | NegotiationReport | WarmPeerEvent;

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
  /** Whether that negotiation's first offer went out with the join. */
  offered: boolean;
  peerAbsence: PeerAbsence;
  /** Whether the room was ever joined: a lost connection is then a reconnection. */
  joinedOnce: boolean;
  /** Failed connection attempts in a row. */
  attempts: number;
  /** Spread of the next wait, from the signaling actor (0.7-1.3). */
  jitter: number;
  /** Why the browsers could not connect, while the room says so. */
  connectionFailure: ConnectionFailure | null;
  /** The newest connection made ahead, for the next negotiation to adopt if it fits. */
  warm: WarmPeerLike | null;
}

function joinedInfo(event: SessionEvent): Joined | null {
  return event.type === "signal.joined" || event.type === "signal.restored" ? event.joined : null;
}

function notProvided(): never {
  throw new Error(`an effect of the session machine was not provided (see effects.ts)`);
}

/** The session machine's setup: `session_machine.ts` makes the machine from it. */
export const sessionSetup = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actors: {
    /** The signaling connection: connects when told, joins, relays, reports what happens. */
    signaling: fromCallback<SignalingCommand, SignalingInput>(notProvided),
    /** A peer connection made while waiting alone, for the one who comes to offer to. */
    warmPeer: fromCallback<EventObject, WarmPeerInput>(notProvided),
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
      offered: how === "offering" && event.type === "signal.joined" && event.offered === true,
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
});
