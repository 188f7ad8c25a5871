/**
 * What the call machine (`call_machine.ts`) is made of: its types, the effects it names, and its
 * actions, guards and delays. The states, the story itself, are in call_machine.ts.
 *
 * @module
 */
import {
  assign,
  enqueueActions,
  type EventObject,
  fromCallback,
  fromPromise,
  sendTo,
  setup,
  stopChild,
} from "xstate";
import type {
  CallContext,
  CallEvent,
  CallInput,
  SessionCommand,
  SessionInput,
} from "./call_types.ts";
import {
  hasKind,
  type MediaCommand,
  type MediaKind,
  type ShareInput,
  type StreamLike,
  type TrackLike,
} from "./media_types.ts";
import type { WarmPeerInput } from "./peer_types.ts";
import { effectOn, type EffectStatus, effectUnavailable } from "./effect_status.ts";
import type { ProcessingCommand, ProcessingInput } from "./processing_machine.ts";
import type { SessionMachine } from "./session_machine.ts";

/** The track of `kind` in `stream`, if any. */
export function trackOf(stream: StreamLike | null, kind: MediaKind): TrackLike | null {
  return stream?.getTracks().find((track) => track.kind === kind) ?? null;
}

function notProvided(): never {
  throw new Error(`an effect of the call machine was not provided (see effects.ts)`);
}

/** The call machine's setup: `call_machine.ts` makes the machine from it. */
export const callSetup = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
  },
  actors: {
    /** The camera and microphone: captures when told, stops them when stopped. */
    localMedia: fromCallback<MediaCommand, Record<MediaKind, boolean>>(notProvided),
    /** How many are in the room, asked without a seat while the person gets ready. */
    lobby: fromCallback<{ type: "refresh" }, { roomId: string }>(notProvided),
    /** A screen to share, picked by the person; reports `share.started`, `share.ended`. */
    screenShare: fromCallback<{ type: "stop" }, ShareInput>(notProvided),
    /** A peer connection made while the person gets ready, and its offer, for the join. */
    warmPeer: fromCallback<EventObject, WarmPeerInput>(notProvided),
    /**
     * The session machine with its effects (`session_effects.ts`), started at Join. The browser's
     * comes with the call's chunk, so that the page's first visit stays small: Join waits for it
     * if it has not arrived yet.
     */
    loadSession: fromPromise<SessionMachine>(notProvided),
    /**
     * Noise suppression and background blur: the processing machine (processing_machine.ts), or
     * in the browser an actor that loads it once an effect is to run.
     */
    processing: fromCallback<ProcessingCommand, ProcessingInput>(notProvided),
  },
  actions: {
    noteMembers: assign(({ context, event }) =>
      event.type === "lobby.status"
        ? {
          roomMembers: event.members,
          roomCapacity: event.capacity,
          relayAvailable: event.relay,
          lobbyIceServers: event.iceServers,
        }
        : context
    ),
    /** The session, from the code `loadSession` brought: it runs while the person is in the call. */
    startSession: enqueueActions(({ context, enqueue }, session: SessionMachine) => {
      enqueue.spawnChild(session, {
        // The id the page reads it by and `tellSession` sends to. (xstate's types give an id only
        // to an actor named in setup; this one's code arrives later, so it is spawned as logic.)
        id: "session" as never,
        input: {
          roomId: context.roomId,
          stream: context.stream,
          relayOnly: context.hideAddress,
          warm: context.warm,
        } satisfies SessionInput,
      });
    }),
    stopSession: stopChild("session"),
    tellMedia: sendTo("media", (_, command: MediaCommand) => command),
    tellSession: sendTo("session", (_, command: SessionCommand) => command),
    tellProcessing: sendTo("processing", (_, command: ProcessingCommand) => command),
    toggleEffect: assign(({ context: { effects }, event }) => {
      if (event.type !== "user.toggleEffect") return {};
      const was = effects[event.effect];
      const now = effectOn(was) ? "off" : effectUnavailable(was) ?? "on";
      return { effects: { ...effects, [event.effect]: now } };
    }),
    // What the processing machine said: an effect runs (its track is sent), stopped, or could not
    // start (then it is off: the switch shows why, and pressing it tries again).
    noteEffect: assign(({ context: { effects }, event }) => {
      if (event.type !== "processing.output" && event.type !== "processing.failed") return {};
      const was = effects[event.effect];
      // A part the browser lacks, found when it started (no WebGL...): unavailable, saying why.
      const now = event.type === "processing.failed"
        ? event.reason.startsWith("no-") ? event.reason as EffectStatus : "failed"
        : event.track
        ? "running"
        : was === "running"
        ? "on"
        : was;
      return { effects: { ...effects, [event.effect]: now } };
    }),
    effectsStopped: assign(({ context: { effects } }) => ({
      effects: {
        noise: effects.noise === "running" ? "on" : effects.noise,
        blur: effects.blur === "running" ? "on" : effects.blur,
      },
    })),
    // `track` goes out as the video, or the sound, without renegotiating.
    sendTrack: sendTo(
      "session",
      ({ context }, params: { kind: MediaKind; track: TrackLike | null }) => ({
        type: "media.replaced" as const,
        stream: context.stream,
        ...params,
      }),
    ),
    applySwitches: sendTo("media", ({ context }) => ({
      type: "enable" as const,
      audio: context.micOn,
      video: context.cameraOn,
    })),
    keepCapture: assign(({ event }) => {
      if (event.type !== "media.captured") return {};
      return { stream: event.stream, mediaFailure: event.failure };
    }),
    keepAdded: assign(({ context, event }) => {
      if (event.type !== "media.added") return {};
      const audio = event.kind === "audio";
      return {
        stream: event.stream,
        mediaFailure: null,
        wants: { ...context.wants, [event.kind]: true },
        micOn: context.micOn || audio,
        cameraOn: context.cameraOn || !audio,
      };
    }),
  },
  delays: {
    /** How long the pre-join screen waits to hear who is in the room before the camera starts. */
    statusWait: 1000,
  },
  guards: {
    roomIsFull: ({ event }) =>
      event.type === "lobby.status" && event.members >= event.capacity && !event.yours,
    capturedAll: ({ event }) => event.type === "media.captured" && event.failure === null,
    lacks: ({ context }, kind: MediaKind) => !hasKind(context.stream, kind),
    relayAvailable: ({ context }) => context.relayAvailable,
    autoJoin: ({ context }) => context.autoJoin,
    unsupported: ({ event }) => event.type === "user.start" && (event.unsupported ?? null) !== null,
    noiseFailed: ({ event }) => event.type === "processing.failed" && event.effect === "noise",
    /** What `media.replaced` changed is the video (while a screen is sent in its place). */
    videoReplaced: ({ event }) => event.type === "media.replaced" && event.kind === "video",
  },
});
