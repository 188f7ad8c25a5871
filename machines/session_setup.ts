/**
 * What the session machine (`session_machine.ts`) is made of: its types, the effects it names,
 * and its actions, guards and delays. The states are in session_machine.ts.
 *
 * @module
 */
import {
  assign,
  enqueueActions,
  type EventObject,
  fromCallback,
  sendParent,
  sendTo,
  setup,
} from "xstate";
import type { IceServer, IceTransportPolicy, Joined } from "../protocol/signaling.ts";
import type { CallFailure, SessionCommand, SessionInput, SessionReport } from "./call_types.ts";
import type { StreamLike } from "./media_types.ts";
import type { WarmPeerEvent, WarmPeerInput, WarmPeerLike } from "./peer_types.ts";
import type { SignalingCommand, SignalingEvent, SignalingInput } from "./signaling_types.ts";
import {
  type NegotiationCommand,
  negotiationMachine,
  type NegotiationReport,
} from "./negotiation_machine.ts";
import { anyFailed, anyoneHere, type PeerEntry, type PeerPlan } from "./room_peers.ts";

/** Failed connection attempts after which a server never reached counts as unreachable. */
export const ATTEMPTS_BEFORE_UNREACHABLE = 3;

/**
 * Joins again after the server said it cannot seat anyone right now (`unavailable`: its room
 * store is busy or away, or it is shutting down), 2, 4 and 8 s after each refusal; the next
 * refusal is said as the server's.
 */
export const BUSY_RETRIES = 3;

/** Every event the session machine handles. */
export type SessionEvent =
  | SessionCommand
  | SignalingEvent
  | NegotiationReport
  | WarmPeerEvent
  /** Time to make anew the connections that failed while others work. */
  | { type: "peers.mend" };

interface SessionContext {
  roomId: string;
  stream: StreamLike | null;
  iceServers: IceServer[];
  /** Relayed candidates only: the server says so for every call, or the person chose it. */
  relayOnly: boolean;
  iceTransportPolicy: IceTransportPolicy;
  /** The other people in the room, one entry each (`room_peers.ts`). */
  peers: PeerEntry[];
  /** Negotiations started so far: names the next one. */
  started: number;
  /** Whether the room was ever joined: a lost connection is then a reconnection. */
  joinedOnce: boolean;
  /** Failed connection attempts in a row. */
  attempts: number;
  /** Spread of the next wait, from the signaling actor (0.7-1.3). */
  jitter: number;
  /** Joins refused in a row because the server could not seat anyone (`unavailable`). */
  busyTries: number;
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
        iceServers: joined.iceServers,
        iceTransportPolicy: context.relayOnly ? "relay" as const : joined.iceTransportPolicy,
        joinedOnce: true,
        attempts: 0,
        busyTries: 0,
      };
    }),
    /**
     * Carries out what `room_peers.ts` planned: the people's entries, then their negotiations
     * stopped, started and told.
     */
    carryOut: enqueueActions(({ context, enqueue }, plan: PeerPlan) => {
      for (const id of plan.stop) enqueue.stopChild(id);
      // The connections made ahead go to the negotiations started: the first one's offer went
      // with the join to the first of them; each is adopted once (`warmPeer`).
      const warm = plan.start.length > 0 ? context.warm : null;
      enqueue.assign({
        peers: plan.peers,
        started: plan.started,
        warm: warm ? null : context.warm,
      });
      for (const start of plan.start) {
        enqueue.spawnChild("negotiation", {
          id: start.id,
          input: {
            warm,
            peer: start.peer,
            polite: start.polite,
            initiator: start.initiator,
            offered: start.offered,
            iceServers: context.iceServers,
            iceTransportPolicy: context.iceTransportPolicy,
            stream: context.stream,
          },
        });
      }
      for (const { id, event } of plan.tell) enqueue.sendTo(id, event);
    }),
    /** What concerns every peer connection (the server, our media): told to each negotiation. */
    toEveryNegotiation: enqueueActions(({ context, event, enqueue }) => {
      for (const entry of context.peers) {
        if (entry.negotiation) enqueue.sendTo(entry.negotiation, event as NegotiationCommand);
      }
    }),
    countBusy: assign(({ context }) => ({ busyTries: context.busyTries + 1 })),
    countAttempt: assign(({ context, event }) => ({
      attempts: context.attempts + 1,
      jitter: "jitter" in event ? event.jitter : 1,
    })),
  },
  guards: {
    /** A negotiation runs with someone. */
    anyoneHere: ({ context }) => anyoneHere(context.peers),
    /** Someone's connection failed (and was not retried). */
    anyFailed: ({ context }) => anyFailed(context.peers),
    roomFull: ({ event }) => event.type === "signal.rejected" && event.error.code === "room-full",
    /** The server cannot seat anyone right now, and a join may be tried again. */
    serverBusy: ({ context, event }) =>
      event.type === "signal.rejected" && event.error.code === "unavailable" &&
      context.busyTries < BUSY_RETRIES,
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
    /** Wait before joining again after the server could not seat anyone: 2, 4, then 8 s. */
    busyWait: ({ context }) => 2000 * 2 ** Math.max(0, context.busyTries - 1),
    /** How long hanging up waits for the server to confirm. */
    leaveTimeout: 1000,
  },
});
