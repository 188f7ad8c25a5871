/**
 * One peer connection with the other person, from its first offer until it is given up: the
 * WebRTC "perfect negotiation" pattern in one region, the health of the path (ICE) in the other.
 *
 * - **Negotiation**: the side that needs a new description offers; an offer that collides with
 *   ours is taken by the polite side (its own is rolled back) and ignored by the impolite one.
 *   Candidates go out as they come; the peer connection actor queues early arrivals.
 * - **Link**: a `disconnected` path gets a short grace, then an ICE restart; `failed` restarts at
 *   once; restarts wait 5, 10 then 20 s. When the budget is spent the connection is abandoned if
 *   the other person is away, waits for the server if we are off it, and fails otherwise.
 *
 * It is invoked by the session machine (`session_machine.ts`) while two people are in the room,
 * and talks to it by events: `negotiation.signal` (relay this), `negotiation.abandoned` (the
 * other person is gone, wait for them) and `negotiation.failed`. Tags: `connected`,
 * `interrupted`.
 *
 * @module
 */
import { assign, enqueueActions, fromCallback, sendParent, sendTo, setup } from "xstate";
import type {
  Description,
  IceServer,
  IceTransportPolicy,
  SignalMessage,
} from "../protocol/signaling.ts";
import type {
  ConnectionFailure,
  LinkState,
  MediaKind,
  PeerChannels,
  PeerCommand,
  PeerEvent,
  PeerInput,
  StreamLike,
  TrackLike,
} from "./call_types.ts";

/** How many ICE restarts are tried before the connection counts as lost. */
export const MAX_ICE_RESTARTS = 3;

/** Input of the negotiation machine. */
export interface NegotiationInput {
  iceServers: IceServer[];
  iceTransportPolicy?: IceTransportPolicy;
  polite: boolean;
  /** Whether this side makes the first offer (the newcomer does). */
  initiator: boolean;
  stream: StreamLike | null;
  /** Whether the other person is away from the server as this connection starts. */
  peerAway?: boolean;
}

/** What the session machine tells a negotiation. */
export type NegotiationCommand =
  | { type: "signal.message"; message: SignalMessage }
  /** The other person dropped off the server; their seat is held. */
  | { type: "peer.away" }
  /** The same page of the other person is back on the server. */
  | { type: "peer.returned" }
  | { type: "server.lost" }
  /** We are back on the server; after a restart of it our role may have changed. */
  | { type: "server.restored"; polite: boolean }
  | { type: "media.added"; stream: StreamLike }
  | { type: "iceServers"; iceServers: IceServer[] }
  | { type: "media.replaced"; stream: StreamLike | null; kind: MediaKind; track: TrackLike | null };

/** What a negotiation tells the session machine. */
export type NegotiationReport =
  | { type: "negotiation.signal"; message: SignalMessage }
  | { type: "negotiation.abandoned" }
  | { type: "negotiation.failed"; reason: ConnectionFailure };

/** Every event the negotiation machine handles. */
export type NegotiationEvent = NegotiationCommand | PeerEvent;

interface NegotiationContext {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
  polite: boolean;
  initiator: boolean;
  stream: StreamLike | null;
  remoteStream: StreamLike | null;
  /** The call's data channels, for the page to speak over. */
  channels: PeerChannels | null;
  /** ICE restarts since the path last worked. */
  iceRestarts: number;
  /** A TURN server refused our credentials. */
  relayRefused: boolean;
  peerAway: boolean;
  serverAway: boolean;
}

function description(event: NegotiationEvent, type: Description["type"]): Description | null {
  if (event.type === "signal.message" && "description" in event.message) {
    return event.message.description.type === type ? event.message.description : null;
  }
  if (event.type === "pc.localDescription" && event.description.type === type) {
    return event.description;
  }
  return null;
}

function notProvided(): never {
  throw new Error(`the negotiation machine's "peerConnection" actor was not provided`);
}

/** The negotiation machine; `peerConnection` is provided by the browser or by tests. */
export const negotiationMachine = setup({
  types: {
    context: {} as NegotiationContext,
    events: {} as NegotiationEvent,
    input: {} as NegotiationInput,
  },
  actors: {
    /** The RTCPeerConnection: runs the commands it gets, reports what happens to it. */
    peerConnection: fromCallback<PeerCommand, PeerInput>(notProvided),
  },
  actions: {
    tellPeer: sendTo("peer", (_, command: PeerCommand) => command),
    acceptOffer: sendTo("peer", ({ event }) => ({
      type: "acceptOffer" as const,
      description: description(event, "offer")!,
    })),
    acceptAnswer: sendTo("peer", ({ event }) => ({
      type: "acceptAnswer" as const,
      description: description(event, "answer")!,
    })),
    relay: sendParent((_, message: SignalMessage) => ({
      type: "negotiation.signal",
      message,
    } satisfies NegotiationReport)),
    relayDescription: sendParent(({ event }) => ({
      type: "negotiation.signal",
      message: { description: (event as { description: Description }).description },
    } satisfies NegotiationReport)),
    report: sendParent((_, report: NegotiationReport) => report),
    countRestart: assign({ iceRestarts: ({ context }) => context.iceRestarts + 1 }),
    peerBack: assign({ peerAway: false }),
    serverBack: assign(({ event }) => ({
      serverAway: false,
      polite: event.type === "server.restored" ? event.polite : false,
    })),
    freshBudget: assign({ iceRestarts: 0 }),
  },
  guards: {
    offerArrived: ({ event }) => description(event, "offer") !== null,
    answerArrived: ({ event }) => description(event, "answer") !== null,
    /** Glare: both sides offered. The polite side takes the other offer. */
    politeOfferArrived: ({ context, event }) =>
      context.polite && description(event, "offer") !== null,
    localOffer: ({ event }) => description(event, "offer") !== null,
    localAnswer: ({ event }) => description(event, "answer") !== null,
    linkIs: ({ event }, state: LinkState) =>
      event.type === "pc.connection" && event.state === state,
    restartsLeft: ({ context }) => context.iceRestarts < MAX_ICE_RESTARTS,
    peerAway: ({ context }) => context.peerAway,
    /** Nothing works, and no relay is there to go around the networks in the way. */
    noWayThrough: ({ event }) =>
      event.type === "pc.diagnosis" && !event.path && !event.relay && !event.turn,
    relayRefused: ({ context, event }) =>
      context.relayRefused && event.type === "pc.diagnosis" && !event.path,
    serverAway: ({ context }) => context.serverAway,
  },
  delays: {
    /** How long `disconnected` may last before an ICE restart. */
    disconnectGrace: 2500,
    /** How long one ICE restart may take: 5, 10, then 20 s. */
    restartWait: ({ context }) => 5000 * 2 ** Math.max(0, context.iceRestarts - 1),
    /** How long an offer waits for its answer before it is taken back. */
    answerTimeout: 5000,
    /**
     * How long a first connection may try before it is looked at: no path and no relay says so
     * then (well within 10 s of Join), rather than after the browser's own 30 s; otherwise its
     * ICE is restarted, once.
     */
    pathCheck: 6000,
    /** How long a first connection may take before it counts as failed. */
    connectTimeout: 20000,
  },
}).createMachine({
  id: "negotiation",
  type: "parallel",
  context: ({ input }) => ({
    iceServers: input.iceServers,
    iceTransportPolicy: input.iceTransportPolicy ?? "all",
    polite: input.polite,
    initiator: input.initiator,
    stream: input.stream,
    remoteStream: null,
    channels: null,
    iceRestarts: 0,
    relayRefused: false,
    peerAway: input.peerAway ?? false,
    serverAway: false,
  }),
  invoke: {
    id: "peer",
    src: "peerConnection",
    input: ({ context }) => ({
      iceServers: context.iceServers,
      iceTransportPolicy: context.iceTransportPolicy,
      stream: context.stream,
      initiator: context.initiator,
    }),
  },
  on: {
    "signal.message": {
      actions: enqueueActions(({ event, enqueue }) => {
        if (event.type === "signal.message" && "candidate" in event.message) {
          enqueue({
            type: "tellPeer",
            params: { type: "addCandidate", candidate: event.message.candidate },
          });
        }
      }),
    },
    "pc.candidate": {
      actions: { type: "relay", params: ({ event }) => ({ candidate: event.candidate }) },
    },
    "pc.remoteStream": { actions: assign({ remoteStream: ({ event }) => event.stream }) },
    "pc.channels": { actions: assign({ channels: ({ event }) => event.channels }) },
    "pc.relayRefused": { actions: assign({ relayRefused: true }) },
    "pc.error": {
      actions: { type: "report", params: { type: "negotiation.failed", reason: "error" } },
    },
    "media.added": {
      actions: [
        assign({ stream: ({ event }) => event.stream }),
        { type: "tellPeer", params: ({ event }) => ({ type: "addTracks", stream: event.stream }) },
      ],
    },
    "media.replaced": {
      actions: [
        assign({ stream: ({ event }) => event.stream }),
        {
          type: "tellPeer",
          params: ({ event }) => ({ type: "replaceTrack", kind: event.kind, track: event.track }),
        },
      ],
    },
    "iceServers": {
      actions: [
        assign({ iceServers: ({ event }) => event.iceServers }),
        {
          type: "tellPeer",
          params: ({ event }) => ({ type: "setIceServers", iceServers: event.iceServers }),
        },
      ],
    },
    "peer.away": { actions: assign({ peerAway: true }) },
    // (States that handle these themselves run the same actions: an inner handler hides this.)
    "peer.returned": { actions: "peerBack" },
    "server.lost": { actions: assign({ serverAway: true }) },
    "server.restored": { actions: "serverBack" },
  },
  states: {
    negotiation: {
      initial: "stable",
      states: {
        stable: {
          id: "stable",
          on: {
            "pc.negotiationNeeded": "offering",
            "signal.message": {
              guard: "offerArrived",
              target: "answering",
              actions: "acceptOffer",
            },
          },
        },
        offering: {
          id: "offering",
          entry: { type: "tellPeer", params: { type: "offer" } },
          on: {
            "signal.message": {
              guard: "politeOfferArrived",
              target: "answering",
              actions: "acceptOffer",
            },
          },
          initial: "creating",
          states: {
            creating: {
              on: {
                "pc.localDescription": {
                  guard: "localOffer",
                  target: "awaitingAnswer",
                  actions: "relayDescription",
                },
              },
            },
            awaitingAnswer: {
              on: {
                "signal.message": {
                  guard: "answerArrived",
                  target: "#stable",
                  actions: "acceptAnswer",
                },
                // They were off the server when it went: the offer was dropped on the way.
                "peer.returned": {
                  target: "#offering",
                  reenter: true,
                  actions: ["peerBack", { type: "tellPeer", params: { type: "rollback" } }],
                },
              },
              // Lost on the way all the same: take it back so a new one can be made.
              after: {
                answerTimeout: {
                  target: "#stable",
                  actions: { type: "tellPeer", params: { type: "rollback" } },
                },
              },
            },
          },
        },
        answering: {
          on: {
            "pc.localDescription": {
              guard: "localAnswer",
              target: "stable",
              actions: "relayDescription",
            },
          },
        },
      },
    },
    link: {
      initial: "connecting",
      states: {
        connecting: {
          on: {
            "pc.connection": [
              { guard: { type: "linkIs", params: "connected" }, target: "connected" },
              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
            ],
            "pc.diagnosis": [
              {
                guard: "relayRefused",
                target: "failed",
                actions: {
                  type: "report",
                  params: { type: "negotiation.failed", reason: "relay-refused" },
                },
              },
              {
                guard: "noWayThrough",
                target: "failed",
                actions: {
                  type: "report",
                  params: { type: "negotiation.failed", reason: "no-relay" },
                },
              },
              // No path yet: the candidates may have come from a network that was changing.
              { actions: { type: "tellPeer", params: { type: "restartIce" } } },
            ],
          },
          after: {
            pathCheck: { actions: { type: "tellPeer", params: { type: "diagnose" } } },
            connectTimeout: [
              {
                guard: "peerAway",
                actions: { type: "report", params: { type: "negotiation.abandoned" } },
              },
              {
                target: "failed",
                actions: {
                  type: "report",
                  params: { type: "negotiation.failed", reason: "no-path" },
                },
              },
            ],
          },
        },
        connected: {
          tags: ["connected"],
          entry: "freshBudget",
          on: {
            "pc.connection": [
              { guard: { type: "linkIs", params: "disconnected" }, target: "unstable" },
              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
            ],
            // No network at all: no use waiting for ICE to notice.
            "network.offline": "unstable",
            "network.online": "recovering",
          },
        },
        unstable: {
          tags: ["interrupted"],
          on: {
            "pc.connection": [
              { guard: { type: "linkIs", params: "connected" }, target: "connected" },
              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
            ],
            // A network is back (maybe another one): the old path may be gone.
            "network.online": "recovering",
          },
          after: { disconnectGrace: "recovering" },
        },
        recovering: {
          tags: ["interrupted"],
          entry: ["countRestart", { type: "tellPeer", params: { type: "restartIce" } }],
          on: {
            "pc.connection": {
              guard: { type: "linkIs", params: "connected" },
              target: "connected",
            },
            // Restarts tried while they or we were away could not get through: start afresh.
            "peer.returned": {
              target: "recovering",
              reenter: true,
              actions: ["peerBack", "freshBudget"],
            },
            "server.restored": {
              target: "recovering",
              reenter: true,
              actions: ["serverBack", "freshBudget"],
            },
            "network.online": { target: "recovering", reenter: true, actions: "freshBudget" },
          },
          after: {
            restartWait: [
              { guard: "restartsLeft", target: "recovering", reenter: true },
              {
                guard: "peerAway",
                actions: { type: "report", params: { type: "negotiation.abandoned" } },
              },
              { guard: "serverAway", target: "offServer" },
              {
                target: "failed",
                actions: { type: "report", params: { type: "negotiation.failed", reason: "lost" } },
              },
            ],
          },
        },
        // We are off the server: no restart can get through until we are back on it.
        offServer: {
          tags: ["interrupted"],
          on: {
            "pc.connection": {
              guard: { type: "linkIs", params: "connected" },
              target: "connected",
            },
            "server.restored": { target: "recovering", actions: ["serverBack", "freshBudget"] },
            "network.online": { target: "recovering", actions: "freshBudget" },
          },
        },
        failed: { tags: ["interrupted"] },
      },
    },
  },
});
