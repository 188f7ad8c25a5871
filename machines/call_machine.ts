/**
 * The call's lifecycle as one XState v5 machine: the single source of truth for what a call is
 * doing. It names every effect it needs (capturing media, the signaling connection, the peer
 * connection) and leaves their implementations to whoever runs it: `client/` provides the
 * browser's, the tests provide fakes.
 *
 * Negotiation follows the "perfect negotiation" pattern: the server assigns each side a role, an
 * offer that collides with ours is taken by the polite side (the browser rolls its own offer back)
 * and ignored by the impolite side.
 *
 * This file imports nothing but xstate and protocol types, so it runs under `deno test` and pastes
 * into the Stately editor as it is.
 *
 * @module
 */
import { assign, fromCallback, fromPromise, raise, sendTo, setup, stateIn } from "xstate";
import type {
  Candidate,
  Description,
  IceServer,
  Joined,
  PeerAway,
  PeerInfo,
  PeerLeft,
  ProtocolError,
  SignalMessage,
} from "../protocol/signaling.ts";

/** A media track as the machine sees it (a `MediaStreamTrack` fits). */
export interface TrackLike {
  readonly kind: string;
  enabled: boolean;
  stop(): void;
}

/** A media stream as the machine sees it (a `MediaStream` fits). */
export interface StreamLike {
  getTracks(): TrackLike[];
  /** Adds a track captured later (the camera turned on mid-call). */
  addTrack(track: TrackLike): void;
}

/** Media kinds a call can send. */
export type MediaKind = "audio" | "video";

/** Why capturing some media failed, in categories a person can act on. */
export interface MediaFailure {
  reason: "denied" | "not-found" | "in-use" | "insecure" | "other";
  /** The kinds that could not be captured. */
  missing: MediaKind[];
}

/** What the `captureMedia` actor resolves to: what it got, and what it could not get. */
export interface CaptureResult {
  stream: StreamLike | null;
  failure: MediaFailure | null;
}

/** Peer connection states the machine reacts to (`RTCPeerConnectionState`). */
export type LinkState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/** Why a call ended up in a failure state. */
export type CallFailure =
  | { kind: "room-full" }
  | { kind: "unreachable" }
  | { kind: "rejected"; error: ProtocolError }
  | { kind: "connection-failed"; detail: string };

/** What happened to the other person, for the UI's notices. */
export type PeerAbsence = "away" | "closed" | PeerLeft["reason"] | null;

/** Commands the `signaling` actor accepts. */
export type SignalingCommand = { type: "send"; message: SignalMessage } | { type: "leave" };

/** Commands the `peerConnection` actor accepts. */
export type PeerCommand =
  | { type: "offer" }
  | { type: "acceptOffer"; description: Description }
  | { type: "acceptAnswer"; description: Description }
  | { type: "addCandidate"; candidate: Candidate }
  | { type: "restartIce" }
  | { type: "rollback" }
  /** Send what `stream` has and the connection does not send yet (tracks added mid-call). */
  | { type: "addTracks"; stream: StreamLike };

/** Input of the `signaling` actor. */
export interface SignalingInput {
  roomId: string;
}

/** Input of the `peerConnection` actor. */
export interface PeerInput {
  iceServers: IceServer[];
  stream: StreamLike | null;
  /** Whether this side adds its transceivers at once and so makes the first offer. */
  initiator: boolean;
}

/** Every event the machine handles. */
export type CallEvent =
  // From the person, through the UI.
  | { type: "user.start" }
  | { type: "user.continue" }
  | { type: "user.join" }
  | { type: "user.toggleMic" }
  | { type: "user.toggleCamera" }
  | { type: "user.hangUp" }
  | { type: "user.retry" }
  // From the signaling actor.
  | { type: "signal.joined"; joined: Joined }
  | { type: "signal.rejected"; error: ProtocolError }
  | { type: "signal.unreachable" }
  | { type: "signal.lost" }
  | { type: "signal.restored"; joined: Joined }
  /** Back on the server after our held seat expired: the other side dropped our call. */
  | { type: "signal.seatLost"; peer: PeerInfo | null }
  | { type: "signal.message"; message: SignalMessage }
  | { type: "signal.left" }
  | { type: "peer.joined"; peer: PeerInfo }
  | { type: "peer.away"; reason: PeerAway["reason"] }
  | { type: "peer.left"; reason: PeerLeft["reason"] }
  // From the peer connection actor.
  | { type: "pc.negotiationNeeded" }
  | { type: "pc.localDescription"; description: Description }
  | { type: "pc.candidate"; candidate: Candidate }
  | { type: "pc.remoteStream"; stream: StreamLike }
  | { type: "pc.connection"; state: LinkState }
  | { type: "pc.error"; message: string }
  // From the peer connection actor too: the device lost every network, or has one again.
  | { type: "network.offline" }
  | { type: "network.online" }
  // Raised by the machine itself: a track was added to `stream` mid-call.
  | { type: "media.added" };

/** What the machine remembers; everything else is its state. */
export interface CallContext {
  roomId: string;
  /** Media the person wants to send. */
  wants: Record<MediaKind, boolean>;
  stream: StreamLike | null;
  mediaFailure: MediaFailure | null;
  micOn: boolean;
  cameraOn: boolean;
  polite: boolean;
  iceServers: IceServer[];
  /** The other member's signaling session; a new one means a new page on the other side. */
  peerSession: string | null;
  /** Whether this side starts the negotiation of the current peer connection. */
  initiator: boolean;
  remoteStream: StreamLike | null;
  peerAbsence: PeerAbsence;
  failure: CallFailure | null;
  /** ICE restarts since the link was last connected. */
  iceRestarts: number;
  /** The kind being captured mid-call (the camera or microphone just turned on), if any. */
  turningOn: MediaKind | null;
}

/** Input when the machine starts. */
export interface CallInput {
  roomId: string;
  wants?: Partial<Record<MediaKind, boolean>>;
}

/** How many ICE restarts are tried before the call counts as failed. */
export const MAX_ICE_RESTARTS = 3;

function isOffer(message: SignalMessage): message is { description: Description } {
  return "description" in message && message.description.type === "offer";
}

function isAnswer(message: SignalMessage): message is { description: Description } {
  return "description" in message && message.description.type === "answer";
}

function stopTracks(stream: StreamLike | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

function notProvided(name: string): never {
  throw new Error(`the call machine's "${name}" actor was not provided`);
}

/** The call machine; run it with `createActor(callMachine.provide({ actors }), { input })`. */
export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
  },
  actors: {
    /** getUserMedia for the wanted kinds, with whatever could be had when not all of them. */
    captureMedia: fromPromise<CaptureResult, Record<MediaKind, boolean>>(() =>
      notProvided("captureMedia")
    ),
    /** The signaling connection: joins the room, relays, reconnects and rejoins by itself. */
    signaling: fromCallback<SignalingCommand, SignalingInput>(() => notProvided("signaling")),
    /** The RTCPeerConnection: runs the commands it gets, reports what happens to it. */
    peerConnection: fromCallback<PeerCommand, PeerInput>(() => notProvided("peerConnection")),
  },
  actions: {
    stopMedia: assign(({ context }) => {
      stopTracks(context.stream);
      return { stream: null, remoteStream: null };
    }),
    applyTrackSwitches: ({ context }) => {
      for (const track of context.stream?.getTracks() ?? []) {
        track.enabled = track.kind === "audio" ? context.micOn : context.cameraOn;
      }
    },
    sendDescription: sendTo("signaling", ({ event }) => {
      if (event.type !== "pc.localDescription") throw new Error(`unexpected ${event.type}`);
      return { type: "send", message: { description: event.description } } as SignalingCommand;
    }),
    /** Adds what a mid-call capture got to the stream the call sends, and switches it on. */
    addCaptured: assign(({ context, event }) => {
      const added = (event as unknown as { output: CaptureResult }).output.stream!;
      const tracks = added.getTracks();
      const stream = context.stream ?? added;
      if (stream !== added) { for (const track of tracks) stream.addTrack(track); }
      const has = (kind: MediaKind) => tracks.some((track) => track.kind === kind);
      return {
        stream,
        mediaFailure: null,
        wants: {
          audio: context.wants.audio || has("audio"),
          video: context.wants.video || has("video"),
        },
        micOn: context.micOn || has("audio"),
        cameraOn: context.cameraOn || has("video"),
      };
    }),
    acceptOffer: sendTo("peer", ({ event }) => {
      if (event.type !== "signal.message" || !("description" in event.message)) {
        throw new Error(`unexpected ${event.type}`);
      }
      return { type: "acceptOffer", description: event.message.description } as PeerCommand;
    }),
  },
  guards: {
    offerArrived: ({ event }) => event.type === "signal.message" && isOffer(event.message),
    answerArrived: ({ event }) => event.type === "signal.message" && isAnswer(event.message),
    candidateArrived: ({ event }) =>
      event.type === "signal.message" && "candidate" in event.message,
    /** Glare: both sides offered. The polite side takes the other offer. */
    politeOfferArrived: ({ context, event }) =>
      context.polite && event.type === "signal.message" && isOffer(event.message),
    peerClosed: ({ event }) => event.type === "peer.away" && event.reason === "closed",
    peerStayed: ({ event }) => event.type === "signal.seatLost" && event.peer !== null,
    localOffer: ({ event }) =>
      event.type === "pc.localDescription" && event.description.type === "offer",
    localAnswer: ({ event }) =>
      event.type === "pc.localDescription" && event.description.type === "answer",
    captured: ({ event }) =>
      (event as unknown as { output: CaptureResult }).output.failure === null,
    peerPresent: ({ event }) => event.type === "signal.joined" && event.joined.peer !== null,
    samePeer: ({ context, event }) =>
      event.type === "peer.joined" &&
      event.peer.session === context.peerSession,
    linkIs: ({ event }, state: LinkState) =>
      event.type === "pc.connection" && event.state === state,
    peerAway: ({ context }) => context.peerAbsence === "away",
    restartsLeft: ({ context }) => context.iceRestarts < MAX_ICE_RESTARTS,
    roomFull: ({ event }) => event.type === "signal.rejected" && event.error.code === "room-full",
    lacks: ({ context }, kind: MediaKind) =>
      !(context.stream?.getTracks() ?? []).some((track) => track.kind === kind),
    gotTracks: ({ event }) =>
      ((event as unknown as { output: CaptureResult }).output.stream?.getTracks() ?? []).length > 0,
  },
  delays: {
    /** How long `disconnected` may last before an ICE restart. */
    disconnectGrace: 2500,
    /** How long one ICE restart may take, doubling with each attempt. */
    restartWait: ({ context }) => 5000 * 2 ** Math.max(0, context.iceRestarts - 1),
    /** How long hanging up waits for the server to confirm. */
    leaveTimeout: 1000,
    /** How long an offer waits for its answer before it is rolled back. */
    answerTimeout: 5000,
    /** How long a first connection may try before its ICE is restarted, once. */
    connectStall: 5000,
    /** How long a first connection may take before it counts as failed. */
    connectTimeout: 20000,
  },
}).createMachine({
  id: "call",
  context: ({ input }) => ({
    roomId: input.roomId,
    wants: { audio: input.wants?.audio ?? true, video: input.wants?.video ?? true },
    stream: null,
    mediaFailure: null,
    micOn: true,
    cameraOn: true,
    polite: false,
    iceServers: [],
    peerSession: null,
    initiator: false,
    remoteStream: null,
    peerAbsence: null,
    failure: null,
    iceRestarts: 0,
    turningOn: null,
  }),
  initial: "idle",
  on: {
    "user.toggleMic": {
      actions: [assign({ micOn: ({ context }) => !context.micOn }), "applyTrackSwitches"],
    },
    "user.toggleCamera": {
      actions: [assign({ cameraOn: ({ context }) => !context.cameraOn }), "applyTrackSwitches"],
    },
  },
  states: {
    idle: {
      on: { "user.start": "capturing" },
    },
    capturing: {
      invoke: {
        src: "captureMedia",
        input: ({ context }) => context.wants,
        onDone: [
          {
            guard: "captured",
            target: "ready",
            actions: assign({ stream: ({ event }) => event.output.stream, mediaFailure: null }),
          },
          {
            target: "mediaBlocked",
            actions: assign({
              stream: ({ event }) => event.output.stream,
              mediaFailure: ({ event }) => event.output.failure,
            }),
          },
        ],
        onError: {
          target: "mediaBlocked",
          actions: assign({
            stream: null,
            mediaFailure: ({ context }) => ({
              reason: "other" as const,
              missing: (["audio", "video"] as const).filter((kind) => context.wants[kind]),
            }),
          }),
        },
      },
    },
    mediaBlocked: {
      on: {
        // Go on with what could be captured, down to nothing (receive-only).
        "user.continue": { target: "ready", actions: "applyTrackSwitches" },
        "user.retry": { target: "capturing", actions: "stopMedia" },
      },
    },
    ready: {
      entry: "applyTrackSwitches",
      on: { "user.join": "session" },
    },
    session: {
      invoke: {
        id: "signaling",
        src: "signaling",
        input: ({ context }) => ({ roomId: context.roomId }),
      },
      on: {
        "signal.rejected": [
          {
            guard: "roomFull",
            target: "roomFull",
            actions: assign({ failure: { kind: "room-full" } }),
          },
          {
            target: "rejected",
            actions: assign({ failure: ({ event }) => ({ kind: "rejected", error: event.error }) }),
          },
        ],
        "signal.unreachable": {
          target: "unreachable",
          actions: assign({ failure: { kind: "unreachable" } }),
        },
      },
      initial: "active",
      states: {
        // Hanging up: tell the server we gave the seat up, then end (or end anyway after a second).
        leaving: {
          entry: sendTo("signaling", { type: "leave" } as SignalingCommand),
          on: { "signal.left": "#call.ended" },
          after: { leaveTimeout: "#call.ended" },
        },
        active: {
          type: "parallel",
          on: { "user.hangUp": "leaving" },
          states: {
            // Turning on a camera or microphone the call has no track for: capture it and add it
            // to the call (the call renegotiates; what flows goes on flowing meanwhile).
            media: {
              initial: "steady",
              on: {
                "user.toggleCamera": {
                  guard: { type: "lacks", params: "video" },
                  target: ".adding",
                  actions: assign({ turningOn: "video" }),
                },
                "user.toggleMic": {
                  guard: { type: "lacks", params: "audio" },
                  target: ".adding",
                  actions: assign({ turningOn: "audio" }),
                },
              },
              states: {
                steady: {},
                adding: {
                  invoke: {
                    src: "captureMedia",
                    input: ({ context }) => ({
                      audio: context.turningOn === "audio",
                      video: context.turningOn === "video",
                    }),
                    onDone: [
                      {
                        guard: "gotTracks",
                        target: "steady",
                        actions: [
                          "addCaptured",
                          "applyTrackSwitches",
                          raise({ type: "media.added" } as CallEvent),
                        ],
                      },
                      {
                        target: "refused",
                        actions: assign({ mediaFailure: ({ event }) => event.output.failure }),
                      },
                    ],
                    onError: {
                      target: "refused",
                      actions: assign({
                        mediaFailure: ({ context }) => ({
                          reason: "other" as const,
                          missing: [context.turningOn ?? "video"],
                        }),
                      }),
                    },
                  },
                  exit: assign({ turningOn: null }),
                },
                // It could not be had (refused, missing, busy): the page says why; pressing the
                // button again tries again.
                refused: {},
              },
            },
            server: {
              initial: "online",
              states: {
                online: { on: { "signal.lost": "reconnecting" } },
                reconnecting: {
                  on: {
                    "signal.restored": {
                      target: "online",
                      actions: assign({
                        polite: ({ event }) => event.joined.role === "polite",
                        iceServers: ({ event }) => event.joined.iceServers,
                      }),
                    },
                  },
                },
              },
            },
            room: {
              initial: "joining",
              states: {
                joining: {
                  on: {
                    "signal.joined": [
                      {
                        guard: "peerPresent",
                        target: "call",
                        actions: assign(({ event }) => ({
                          polite: event.joined.role === "polite",
                          iceServers: event.joined.iceServers,
                          peerSession: event.joined.peer?.session ?? null,
                          initiator: true,
                          peerAbsence: null,
                        })),
                      },
                      {
                        target: "waiting",
                        actions: assign(({ event }) => ({
                          polite: event.joined.role === "polite",
                          iceServers: event.joined.iceServers,
                          peerSession: null,
                        })),
                      },
                    ],
                  },
                },
                waiting: {
                  on: {
                    "peer.joined": {
                      target: "call",
                      actions: assign(({ event }) => ({
                        peerSession: event.peer.session,
                        initiator: false,
                        peerAbsence: null,
                      })),
                    },
                    "peer.left": { actions: assign({ peerAbsence: ({ event }) => event.reason }) },
                  },
                },
                call: {
                  type: "parallel",
                  // The other person's media belongs to this peer connection: gone with it.
                  exit: assign({ remoteStream: null }),
                  invoke: {
                    id: "peer",
                    src: "peerConnection",
                    input: ({ context }) => ({
                      iceServers: context.iceServers,
                      stream: context.stream,
                      initiator: context.initiator,
                    }),
                  },
                  on: {
                    "peer.joined": [
                      // The same session came back after a signaling blip: the media never stopped.
                      { guard: "samePeer", actions: assign({ peerAbsence: null }) },
                      // A new page on the other side: start a new peer connection for it.
                      {
                        target: "call",
                        reenter: true,
                        actions: assign(({ event }) => ({
                          peerSession: event.peer.session,
                          initiator: false,
                          peerAbsence: null,
                        })),
                      },
                    ],
                    "peer.left": {
                      target: "waiting",
                      actions: assign({ peerAbsence: ({ event }) => event.reason }),
                    },
                    // Our seat expired while we were away, so the other side closed its end of
                    // this connection: start a new one with them, or wait for them.
                    "signal.seatLost": [
                      {
                        guard: "peerStayed",
                        target: "call",
                        reenter: true,
                        actions: assign(({ event }) => ({
                          peerSession: event.type === "signal.seatLost" && event.peer
                            ? event.peer.session
                            : null,
                          initiator: true,
                          peerAbsence: null,
                        })),
                      },
                      { target: "waiting", actions: assign({ peerSession: null }) },
                    ],
                    "peer.away": [
                      // Their page closed or reloaded: that peer connection is gone for good.
                      {
                        guard: "peerClosed",
                        target: "waiting",
                        actions: assign({ peerAbsence: "closed" }),
                      },
                      // Their connection timed out: the media may still flow, or come back.
                      { actions: assign({ peerAbsence: "away" }) },
                    ],
                    "signal.message": {
                      guard: "candidateArrived",
                      actions: sendTo("peer", ({ event }) => ({
                        type: "addCandidate",
                        candidate: (event.message as { candidate: Candidate }).candidate,
                      } as PeerCommand)),
                    },
                    "pc.candidate": {
                      actions: sendTo("signaling", ({ event }) => ({
                        type: "send",
                        message: { candidate: event.candidate },
                      } as SignalingCommand)),
                    },
                    "pc.remoteStream": {
                      actions: assign({ remoteStream: ({ event }) => event.stream }),
                    },
                    // Sending a new track renegotiates (negotiationneeded → offering).
                    "media.added": {
                      actions: sendTo("peer", ({ context }) => ({
                        type: "addTracks",
                        stream: context.stream!,
                      } as PeerCommand)),
                    },
                    "pc.error": {
                      target: "#call.failed",
                      actions: assign({
                        failure: ({ event }) => ({
                          kind: "connection-failed",
                          detail: event.message,
                        }),
                      }),
                    },
                  },
                  states: {
                    negotiation: {
                      initial: "stable",
                      states: {
                        stable: {
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
                          initial: "creating",
                          entry: sendTo("peer", { type: "offer" } as PeerCommand),
                          on: {
                            // Glare: both sides offered. The polite side takes the other offer.
                            "signal.message": {
                              guard: "politeOfferArrived",
                              target: "answering",
                              actions: "acceptOffer",
                            },
                          },
                          states: {
                            creating: {
                              on: {
                                "pc.localDescription": {
                                  guard: "localOffer",
                                  target: "awaitingAnswer",
                                  actions: "sendDescription",
                                },
                              },
                            },
                            awaitingAnswer: {
                              // The offer or its answer was lost (the other side was away):
                              // take the offer back so a new one can be made.
                              after: {
                                answerTimeout: {
                                  target: "#call.session.active.room.call.negotiation.stable",
                                  actions: sendTo("peer", { type: "rollback" } as PeerCommand),
                                },
                              },
                              on: {
                                "signal.message": {
                                  guard: "answerArrived",
                                  target: "#call.session.active.room.call.negotiation.stable",
                                  actions: sendTo("peer", ({ event }) => ({
                                    type: "acceptAnswer",
                                    description: (event.message as { description: Description })
                                      .description,
                                  } as PeerCommand)),
                                },
                                // We, or they, were off the server: the offer or its answer was
                                // dropped on the way. Take it back and offer again now, rather
                                // than wait for the answer timeout.
                                "signal.restored": {
                                  target: "#call.session.active.room.call.negotiation.offering",
                                  reenter: true,
                                  actions: sendTo("peer", { type: "rollback" } as PeerCommand),
                                },
                                "peer.joined": {
                                  guard: "samePeer",
                                  target: "#call.session.active.room.call.negotiation.offering",
                                  reenter: true,
                                  actions: [
                                    sendTo("peer", { type: "rollback" } as PeerCommand),
                                    assign({ peerAbsence: null }),
                                  ],
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
                              actions: "sendDescription",
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
                              {
                                guard: { type: "linkIs", params: "connected" },
                                target: "connected",
                              },
                              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
                            ],
                          },
                          after: {
                            // Still no path after a while: the candidates may have been gathered
                            // on a network that was changing (one just back, say). Gather anew.
                            connectStall: {
                              actions: sendTo("peer", { type: "restartIce" } as PeerCommand),
                            },
                            connectTimeout: [{
                              guard: "peerAway",
                              target: "#call.session.active.room.waiting",
                            }, {
                              target: "#call.failed",
                              actions: assign({
                                failure: {
                                  kind: "connection-failed",
                                  detail: "no connection could be made",
                                },
                              }),
                            }],
                          },
                        },
                        connected: {
                          entry: assign({ iceRestarts: 0 }),
                          on: {
                            "pc.connection": [
                              {
                                guard: { type: "linkIs", params: "disconnected" },
                                target: "unstable",
                              },
                              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
                            ],
                            // The device has no network at all: no use waiting for ICE to notice.
                            "network.offline": "unstable",
                            "network.online": "recovering",
                          },
                        },
                        unstable: {
                          on: {
                            "pc.connection": [
                              {
                                guard: { type: "linkIs", params: "connected" },
                                target: "connected",
                              },
                              { guard: { type: "linkIs", params: "failed" }, target: "recovering" },
                            ],
                            // A network is back (maybe another one): the old path may be gone.
                            "network.online": "recovering",
                          },
                          after: { disconnectGrace: "recovering" },
                        },
                        recovering: {
                          entry: [
                            assign({ iceRestarts: ({ context }) => context.iceRestarts + 1 }),
                            sendTo("peer", { type: "restartIce" } as PeerCommand),
                          ],
                          on: {
                            "pc.connection": {
                              guard: { type: "linkIs", params: "connected" },
                              target: "connected",
                            },
                            // The other side (or we) just got signaling back: offers sent
                            // meanwhile were lost, so restart again now. Restarts tried without
                            // signaling or without a network could not succeed: the budget
                            // starts afresh.
                            "peer.joined": {
                              guard: "samePeer",
                              target: "recovering",
                              reenter: true,
                              actions: assign({ peerAbsence: null, iceRestarts: 0 }),
                            },
                            "signal.restored": {
                              target: "recovering",
                              reenter: true,
                              actions: assign({ iceRestarts: 0 }),
                            },
                            // Our network is back: restart on it now, not at the next attempt.
                            "network.online": {
                              target: "recovering",
                              reenter: true,
                              actions: assign({ iceRestarts: 0 }),
                            },
                          },
                          after: {
                            restartWait: [
                              { guard: "restartsLeft", target: "recovering", reenter: true },
                              // They dropped off the server too: wait for them in the room.
                              { guard: "peerAway", target: "#call.session.active.room.waiting" },
                              // We are off the server: no restart can get through. Keep trying
                              // at the longest wait; the budget starts afresh once it is back.
                              {
                                guard: stateIn({ session: { active: { server: "reconnecting" } } }),
                                target: "recovering",
                                reenter: true,
                                actions: assign({ iceRestarts: MAX_ICE_RESTARTS - 1 }),
                              },
                              {
                                target: "#call.failed",
                                actions: assign({
                                  failure: {
                                    kind: "connection-failed",
                                    detail: "the connection was lost and could not be restored",
                                  },
                                }),
                              },
                            ],
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    roomFull: {
      on: { "user.retry": { target: "session", actions: assign({ failure: null }) } },
    },
    rejected: {
      on: { "user.retry": { target: "session", actions: assign({ failure: null }) } },
    },
    unreachable: {
      on: { "user.retry": { target: "session", actions: assign({ failure: null }) } },
    },
    failed: {
      on: {
        "user.retry": {
          target: "session",
          actions: assign({ failure: null, iceRestarts: 0, peerAbsence: null }),
        },
        "user.hangUp": "ended",
      },
    },
    ended: {
      entry: ["stopMedia", assign({ peerSession: null, peerAbsence: null })],
      on: { "user.retry": { target: "capturing", actions: assign({ failure: null }) } },
    },
  },
});
