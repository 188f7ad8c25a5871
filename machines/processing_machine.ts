/**
 * What is done to the camera and microphone before they are sent: noise suppression (RNNoise) and
 * background blur. One region per effect, each off, on, unavailable (the browser cannot run it) or
 * failed (it could not start). While an effect is on, its actor (`noiseFilter`, `backgroundBlur`)
 * owns the pipeline that makes the processed track; leaving the state stops it.
 *
 * The call machine invokes this while it has the camera and microphone, tells it the person's
 * switches (`processing.set`), which tracks were captured (`media.sources`) and when the call
 * starts (`call.joined`), and hears which track to send in a captured one's place
 * (`processing.output`; null: the captured one again) and which effect failed
 * (`processing.failed`). The noise filter waits for the call (nobody hears the pre-join screen,
 * and the first visit loads nothing it does not need); the blur starts at once, for the preview.
 *
 * Like the other machines it imports nothing but xstate and types: it runs under `deno test`.
 *
 * @module
 */
import { assign, fromCallback, sendParent, sendTo, setup } from "xstate";
import type { MediaKind, TrackLike } from "./media_types.ts";

/** The effects, each on one kind of media. */
export type Effect = "noise" | "blur";

/** The kind each effect processes. */
export const EFFECT_KIND: Readonly<Record<Effect, MediaKind>> = { noise: "audio", blur: "video" };

/** Why a browser cannot run an effect at all (its switch is disabled, saying so). */
export type EffectUnavailable =
  | "no-audio-worklet"
  | "no-webassembly"
  | "no-wasm-simd"
  | "no-webgl"
  | "no-video-processing";

/** The captured track of each kind (null: none, or switched off). */
export type Sources = Record<MediaKind, TrackLike | null>;

/** Input of an effect's actor: the captured track to process, if any yet. */
export interface EffectInput {
  source: TrackLike | null;
}

/** What an effect's actor is told: process this captured track from now on. */
export type EffectCommand = { type: "source"; track: TrackLike | null };

/** What an effect's actor reports. */
export type EffectEvent =
  /** The pipeline runs: `track` is the processed one, to send in the captured one's place. */
  | { type: "effect.ready"; effect: Effect; track: TrackLike }
  /** It could not start (the code or model did not load, the browser refused). */
  | { type: "effect.failed"; effect: Effect; reason: string };

/** Input of the processing machine. */
export interface ProcessingInput {
  /** The person's switches. */
  on: Record<Effect, boolean>;
  /** Why each effect cannot run in this browser (null: it can). */
  unavailable: Record<Effect, EffectUnavailable | null>;
  sources: Sources;
}

/** What the call machine tells the processing machine. */
export type ProcessingCommand =
  | { type: "processing.set"; effect: Effect; on: boolean }
  | { type: "media.sources"; sources: Sources }
  | { type: "call.joined" };

/** What the processing machine tells the call machine. */
export type ProcessingReport =
  /**
   * `effect` runs: send `track` in place of the captured track of `kind` (null: it stopped, the
   * captured one again).
   */
  | { type: "processing.output"; effect: Effect; kind: MediaKind; track: TrackLike | null }
  | { type: "processing.failed"; effect: Effect; reason: string };

interface ProcessingContext {
  /** The person's switches as the machine started (then its states say). */
  on: Record<Effect, boolean>;
  unavailable: Record<Effect, EffectUnavailable | null>;
  sources: Sources;
  inCall: boolean;
  /** Why each effect failed to start, until it is switched again. */
  failure: Record<Effect, string | null>;
}

function notProvided(): never {
  throw new Error(`an effect actor of the processing machine was not provided (see effects.ts)`);
}

const effectActor = fromCallback<EffectCommand, EffectInput>(notProvided);

const processingSetup = setup({
  types: {
    context: {} as ProcessingContext,
    events: {} as ProcessingCommand | EffectEvent,
    input: {} as ProcessingInput,
  },
  actors: { noiseFilter: effectActor, backgroundBlur: effectActor },
  actions: {
    output: sendParent((_, params: { effect: Effect; track: TrackLike | null }) => ({
      type: "processing.output" as const,
      effect: params.effect,
      kind: EFFECT_KIND[params.effect],
      track: params.track,
    })),
    keepSources: assign(({ context, event }) => ({
      sources: event.type === "media.sources" ? event.sources : context.sources,
    })),
    forwardSource: sendTo(
      (_, effect: Effect) => effect,
      ({ context }, effect: Effect) => ({
        type: "source" as const,
        track: context.sources[EFFECT_KIND[effect]],
      }),
    ),
    noteFailure: assign(({ context, event }) =>
      event.type === "effect.failed"
        ? { failure: { ...context.failure, [event.effect]: event.reason } }
        : {}
    ),
    clearFailure: assign(({ context }, effect: Effect) => ({
      failure: { ...context.failure, [effect]: null },
    })),
    reportFailure: sendParent(({ context }, effect: Effect) => ({
      type: "processing.failed" as const,
      effect,
      reason: context.failure[effect] ?? "",
    })),
  },
  guards: {
    isOn: ({ context }, effect: Effect) => context.on[effect],
    unavailable: ({ context }, effect: Effect) => context.unavailable[effect] !== null,
    mayStart: ({ context }, effect: Effect) => effect !== "noise" || context.inCall,
    mine: ({ event }, effect: Effect) => "effect" in event && event.effect === effect,
    /** The person switched `effect` to `on`. */
    switched: ({ event }, params: { effect: Effect; on: boolean }) =>
      event.type === "processing.set" && event.effect === params.effect &&
      event.on === params.on,
  },
});

/** One effect's region: its switch, and its actor while it is on. */
function region(effect: Effect, src: "noiseFilter" | "backgroundBlur") {
  const set = (on: boolean) => ({ guard: { type: "switched", params: { effect, on } } }) as const;
  return {
    initial: "checking",
    states: {
      checking: {
        always: [
          { guard: { type: "unavailable", params: effect }, target: "unavailable" },
          { guard: { type: "isOn", params: effect }, target: "on" },
          { target: "off" },
        ],
      },
      unavailable: { tags: [`${effect}Unavailable`] },
      off: { on: { "processing.set": { ...set(true), target: "on" } } },
      failed: {
        tags: [`${effect}Failed`],
        on: { "processing.set": { ...set(true), target: "on" } },
        exit: { type: "clearFailure", params: effect },
      },
      on: {
        tags: [`${effect}On`],
        on: { "processing.set": { ...set(false), target: "off" } },
        initial: "waiting",
        states: {
          // The noise filter waits for the call to start.
          waiting: { always: { guard: { type: "mayStart", params: effect }, target: "active" } },
          active: {
            invoke: {
              id: effect,
              src,
              input: ({ context }: { context: ProcessingContext }) => ({
                source: context.sources[EFFECT_KIND[effect]],
              }),
            },
            // The captured track goes out again before the pipeline stops (its actor lets it
            // run a moment longer, so the sound has no gap).
            exit: { type: "output", params: { effect, track: null } },
            on: {
              // (Handled here, the root's handler does not run for this region: keep them too.)
              "media.sources": {
                actions: ["keepSources", { type: "forwardSource", params: effect }],
              },
              "effect.failed": {
                guard: { type: "mine", params: effect },
                target: `#processing.${effect}.failed`,
                actions: ["noteFailure", { type: "reportFailure", params: effect }],
              },
            },
            initial: "starting",
            states: {
              starting: {
                tags: [`${effect}Starting`],
                on: {
                  "effect.ready": {
                    guard: { type: "mine", params: effect },
                    target: "running",
                    actions: {
                      type: "output",
                      params: ({ event }: { event: ProcessingCommand | EffectEvent }) => ({
                        effect,
                        track: event.type === "effect.ready" ? event.track : null,
                      }),
                    },
                  },
                },
              },
              running: { tags: [`${effect}Running`] },
            },
          },
        },
      },
    },
  } as const;
}

/** The processing machine; the effects' actors are provided (`provideEffects` in effects.ts). */
export const processingMachine = processingSetup.createMachine({
  id: "processing",
  type: "parallel",
  context: ({ input }) => ({
    on: input.on,
    unavailable: input.unavailable,
    sources: input.sources,
    inCall: false,
    failure: { noise: null, blur: null },
  }),
  on: {
    "media.sources": { actions: "keepSources" },
    "call.joined": { actions: assign({ inCall: true }) },
  },
  states: {
    noise: region("noise", "noiseFilter"),
    blur: region("blur", "backgroundBlur"),
  },
});

/** The processing machine's type. */
export type ProcessingMachine = typeof processingMachine;

/** The processing machine with its effects' actors (`noiseFilter`, `backgroundBlur`). */
export function processingWith(actors: {
  noiseFilter: ReturnType<typeof fromCallback<EffectCommand, EffectInput>>;
  backgroundBlur: ReturnType<typeof fromCallback<EffectCommand, EffectInput>>;
}): ProcessingMachine {
  return processingMachine.provide({ actors });
}
