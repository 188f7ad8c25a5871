/**
 * The browser's `noiseFilter` and `backgroundBlur` actors (machines/processing_machine.ts): each,
 * while its effect is on, loads its pipeline (a chunk of its own, with its WebAssembly and model,
 * fetched only then), runs it on the captured track it is told of, and reports the processed
 * track; stopped, it stops the pipeline.
 *
 * @module
 */
import { fromCallback } from "xstate";
import type {
  Effect,
  EffectCommand,
  EffectEvent,
  EffectInput,
} from "../../machines/processing_machine.ts";
import { blurUnsupported } from "./support.ts";

/** What both pipelines are, to their actor. */
interface Pipeline {
  readonly track: MediaStreamTrack;
  setSource(source: MediaStreamTrack | null): void;
  stop(): void;
}

/**
 * How long a stopped pipeline keeps running: the captured track goes out again first (a
 * `replaceTrack` on every connection), and the sound must not stop while that happens.
 */
export const HANDOVER_MS = 1000;

function effectActor(
  effect: Effect,
  load: () => Promise<(source: MediaStreamTrack | null) => Promise<Pipeline>>,
) {
  return fromCallback<EffectCommand, EffectInput>(({ input, receive, sendBack }) => {
    const send = (event: EffectEvent) => sendBack(event);
    let source = input.source as MediaStreamTrack | null;
    let pipeline: Pipeline | null = null;
    let stopped = false;
    load().then((start) => start(source)).then((started) => {
      if (stopped) return started.stop();
      pipeline = started;
      started.setSource(source);
      send({ type: "effect.ready", effect, track: started.track });
    }, (error) => {
      console.warn(
        `Parley: ${effect === "noise" ? "noise suppression" : "background blur"} could not start.`,
        error,
      );
      if (!stopped) {
        send({ type: "effect.failed", effect, reason: String(error?.message ?? error) });
      }
    });
    receive((command) => {
      if (command.type !== "source" || command.track === source) return;
      source = command.track as MediaStreamTrack | null;
      pipeline?.setSource(source);
    });
    return () => {
      stopped = true;
      const running = pipeline;
      if (running) setTimeout(() => running.stop(), HANDOVER_MS);
    };
  });
}

/** RNNoise in an AudioWorklet between the microphone and what is sent. */
export const noiseFilter = effectActor(
  "noise",
  () => import("./noise_pipeline.ts").then((m) => m.startNoisePipeline),
);

/** MediaPipe's selfie segmentation blurring what is behind the person. */
export const backgroundBlur = effectActor("blur", () => {
  // What it lacks is its failure's reason: the call shows the switch unavailable, saying why.
  const missing = blurUnsupported();
  if (missing) return Promise.reject(new Error(missing));
  return import("./blur_pipeline.ts").then((m) => m.startBlurPipeline);
});
