/**
 * One peer connection with the other person, from its first offer until it is given up, run by
 * the WebRTC "perfect negotiation" pattern: the side that needs a new description offers; an
 * offer that collides with ours is taken by the polite side (its own is rolled back) and ignored
 * by the impolite one. Candidates go out as they come; the peer connection actor queues early
 * arrivals. An offer whose answer has not come after 5 s is sent again, the same offer every 5 s
 * until it is answered: never taken back, so an answer that was only slow (a busy machine) still
 * fits the offer it answers, and no new round starts. One sent while the other person was off the
 * server is made again when they return.
 *
 * The health of the path and its recovery (ICE restarts) are a child machine of their own
 * (`link_machine.ts`), to which this forwards what it hears.
 *
 * The session machine (`session_machine.ts`) spawns one for each other person in the room, and
 * each talks to it by events that name that person (`peer`, their session): `negotiation.signal`
 * (relay this to them), `negotiation.abandoned` (they are gone, wait for them) and
 * `negotiation.failed`.
 *
 * @module
 */
import { assign, enqueueActions, forwardTo, fromCallback, sendParent, sendTo, setup } from "xstate";
import type {
  Description,
  IceServer,
  IceTransportPolicy,
  SignalMessage,
} from "../protocol/signaling.ts";
import type { MediaKind, StreamLike, TrackLike } from "./media_types.ts";
import type {
  PeerChannels,
  PeerCommand,
  PeerEvent,
  PeerInput,
  WarmPeerLike,
} from "./peer_types.ts";
import { linkMachine, type LinkReport } from "./link_machine.ts";

export { MAX_ICE_RESTARTS } from "./link_machine.ts";

/** Input of the negotiation machine. */
export interface NegotiationInput {
  /** The other person's session: what the reports name them by. */
  peer: string;
  iceServers: IceServer[];
  iceTransportPolicy?: IceTransportPolicy;
  polite: boolean;
  /** Whether this side makes the first offer (the newcomer does). */
  initiator: boolean;
  /** That first offer went out with the join (made before it): its answer is awaited. */
  offered?: boolean;
  stream: StreamLike | null;
  /** Whether the other person is away from the server as this connection starts. */
  peerAway?: boolean;
  /** A connection made ahead, which the peer connection adopts when it fits. */
  warm?: WarmPeerLike | null;
}

/** What the session machine tells (or forwards to) a negotiation. */
export type NegotiationCommand =
  | { type: "signal.message"; message: SignalMessage }
  /** The other person dropped off the server; their seat is held. */
  | { type: "peer.away" }
  /** The same page of the other person is back on the server; `polite`: our role toward them. */
  | { type: "peer.returned"; polite?: boolean }
  | { type: "signal.lost" }
  /** We are back on the server; after a restart of it our role may have changed (`polite`). */
  | { type: "signal.restored"; polite?: boolean }
  | { type: "signal.iceServers"; iceServers: IceServer[] }
  | { type: "media.added"; stream: StreamLike }
  | { type: "media.replaced"; stream: StreamLike | null; kind: MediaKind; track: TrackLike | null };

/** What a negotiation tells the session machine. */
export type NegotiationReport =
  | { type: "negotiation.signal"; peer: string; message: SignalMessage }
  | { type: "negotiation.abandoned"; peer: string }
  | {
    type: "negotiation.failed";
    peer: string;
    reason: Extract<LinkReport, { type: "link.failed" }>["reason"];
  };

/** Every event the negotiation machine handles. */
export type NegotiationEvent = NegotiationCommand | PeerEvent | LinkReport;

interface NegotiationContext {
  peer: string;
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
  polite: boolean;
  initiator: boolean;
  offered: boolean;
  stream: StreamLike | null;
  remoteStream: StreamLike | null;
  /** The call's data channels, for the page to speak over. */
  channels: PeerChannels | null;
  peerAway: boolean;
  warm: WarmPeerLike | null;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

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
    link: linkMachine,
  },
  actions: {
    tellPeer: sendTo("peer", (_, command: PeerCommand) => command),
    toLink: forwardTo("link"),
    acceptOffer: sendTo("peer", ({ event }) => ({
      type: "acceptOffer" as const,
      description: description(event, "offer")!,
    })),
    acceptAnswer: sendTo("peer", ({ event }) => ({
      type: "acceptAnswer" as const,
      description: description(event, "answer")!,
    })),
    /** Tells the session, naming the other person (`peer`); a signal when no report is given. */
    report: sendParent(({ context, event }, report?: DistributiveOmit<NegotiationReport, "peer">) =>
      ({
        peer: context.peer,
        ...report ?? {
          type: "negotiation.signal",
          message: { description: (event as { description: Description }).description },
        },
      }) as NegotiationReport
    ),
    peerBack: assign(({ context, event }) => ({
      peerAway: false,
      polite: event.type === "peer.returned" ? event.polite ?? context.polite : context.polite,
    })),
  },
  guards: {
    offerArrived: ({ event }) => description(event, "offer") !== null,
    answerArrived: ({ event }) => description(event, "answer") !== null,
    /** Glare: both sides offered. The polite side takes the other offer. */
    politeOfferArrived: ({ context, event }) =>
      context.polite && description(event, "offer") !== null,
    localOffer: ({ event }) => description(event, "offer") !== null,
    localAnswer: ({ event }) => description(event, "answer") !== null,
    offeredWithJoin: ({ context }) => context.offered,
  },
  delays: {
    /** How long an offer waits for its answer before it is sent again. */
    answerTimeout: 5000,
  },
}).createMachine({
  id: "negotiation",
  context: ({ input }) => ({
    peer: input.peer,
    iceServers: input.iceServers,
    iceTransportPolicy: input.iceTransportPolicy ?? "all",
    polite: input.polite,
    initiator: input.initiator,
    offered: input.offered ?? false,
    stream: input.stream,
    remoteStream: null,
    channels: null,
    peerAway: input.peerAway ?? false,
    warm: input.warm ?? null,
  }),
  invoke: [
    {
      id: "peer",
      src: "peerConnection",
      input: ({ context }) => ({
        peer: context.peer,
        iceServers: context.iceServers,
        iceTransportPolicy: context.iceTransportPolicy,
        stream: context.stream,
        initiator: context.initiator,
        offered: context.offered,
        warm: context.warm,
      }),
    },
    { id: "link", src: "link", input: ({ context }) => ({ peerAway: context.peerAway }) },
  ],
  // States that handle these themselves run the same actions: an inner handler hides these.
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
      actions: {
        type: "report",
        params: ({ event }) => ({
          type: "negotiation.signal",
          message: { candidate: event.candidate },
        }),
      },
    },
    "pc.remoteStream": { actions: assign({ remoteStream: ({ event }) => event.stream }) },
    "pc.channels": { actions: assign({ channels: ({ event }) => event.channels }) },
    "pc.error": {
      actions: {
        type: "report",
        params: ({ event }) => ({ type: "negotiation.failed", reason: event.reason ?? "error" }),
      },
    },
    // The path's health is the link's business.
    "pc.connection": { actions: "toLink" },
    "pc.relayRefused": { actions: "toLink" },
    "pc.diagnosis": { actions: "toLink" },
    "network.offline": { actions: "toLink" },
    "network.online": { actions: "toLink" },
    "peer.away": { actions: [assign({ peerAway: true }), "toLink"] },
    "peer.returned": { actions: ["peerBack", "toLink"] },
    "signal.lost": { actions: "toLink" },
    "signal.restored": {
      actions: [
        assign({ polite: ({ context, event }) => event.polite ?? context.polite }),
        "toLink",
      ],
    },
    "link.restartIce": { actions: { type: "tellPeer", params: { type: "restartIce" } } },
    "link.diagnose": { actions: { type: "tellPeer", params: { type: "diagnose" } } },
    "link.abandoned": { actions: { type: "report", params: { type: "negotiation.abandoned" } } },
    "link.failed": {
      actions: {
        type: "report",
        params: ({ event }) => ({ type: "negotiation.failed", reason: event.reason }),
      },
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
    "signal.iceServers": {
      actions: [
        assign({ iceServers: ({ event }) => event.iceServers }),
        {
          type: "tellPeer",
          params: ({ event }) => ({ type: "setIceServers", iceServers: event.iceServers }),
        },
      ],
    },
  },
  initial: "starting",
  states: {
    // The first offer may have gone out with the join: then its answer is what comes next.
    starting: {
      always: [
        { guard: "offeredWithJoin", target: "offering.awaitingAnswer" },
        { target: "stable" },
      ],
    },
    stable: {
      on: {
        "pc.negotiationNeeded": "offering",
        "signal.message": { guard: "offerArrived", target: "answering", actions: "acceptOffer" },
      },
    },
    offering: {
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
          entry: { type: "tellPeer", params: { type: "offer" } },
          on: {
            "pc.localDescription": {
              guard: "localOffer",
              target: "awaitingAnswer",
              actions: "report",
            },
          },
        },
        awaitingAnswer: {
          on: {
            "pc.localDescription": { guard: "localOffer", actions: "report" },
            "signal.message": {
              guard: "answerArrived",
              target: "#negotiation.stable",
              actions: "acceptAnswer",
            },
            // They were off the server when it went: the offer was dropped on the way.
            "peer.returned": {
              target: "#negotiation.offering",
              reenter: true,
              actions: ["peerBack", "toLink", { type: "tellPeer", params: { type: "rollback" } }],
            },
          },
          // Lost on the way, or only slow: the same offer again (an answer to it still fits).
          after: {
            answerTimeout: {
              target: "awaitingAnswer",
              reenter: true,
              actions: { type: "tellPeer", params: { type: "repeatOffer" } },
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
          actions: "report",
        },
      },
    },
  },
});
