/**
 * Fake noise filter and background blur for the machine tests: each records what it was started
 * on and told, and becomes ready (or fails) when the test says so, with a track of its own.
 *
 * @module
 */
import { fromCallback } from "xstate";
import {
  type Effect,
  type EffectCommand,
  type EffectEvent,
  type EffectInput,
  processingWith,
} from "../../machines/processing_machine.ts";
import type { TrackLike } from "../../machines/media_types.ts";

/** A track that remembers being stopped (an effect's output). */
export class ProcessedTrack implements TrackLike {
  enabled = true;
  stopped = false;
  constructor(readonly kind: string, readonly madeBy: Effect) {}
  stop(): void {
    this.stopped = true;
  }
}

/** One run of an effect's actor. */
export class FakePipeline {
  stopped = false;
  /** Every source it was told of, the first from its input. */
  readonly sources: (TrackLike | null)[] = [];
  readonly track: ProcessedTrack;
  constructor(
    readonly effect: Effect,
    input: EffectInput,
    readonly send: (event: EffectEvent) => void,
  ) {
    this.sources.push(input.source);
    this.track = new ProcessedTrack(effect === "noise" ? "audio" : "video", effect);
  }
  /** The pipeline runs: its track is ready to send. */
  ready(): void {
    if (!this.stopped) this.send({ type: "effect.ready", effect: this.effect, track: this.track });
  }
  fail(reason = "the model did not load"): void {
    if (!this.stopped) this.send({ type: "effect.failed", effect: this.effect, reason });
  }
}

/** Both effects' fake actors, and every run of each. */
export function fakeEffects() {
  const runs: FakePipeline[] = [];
  const actor = (effect: Effect) =>
    fromCallback<EffectCommand, EffectInput>(({ input, sendBack, receive }) => {
      const run = new FakePipeline(effect, input, sendBack);
      runs.push(run);
      receive((command) => run.sources.push(command.track));
      return () => {
        run.stopped = true;
        run.track.stop();
      };
    });
  const noiseFilter = actor("noise");
  const backgroundBlur = actor("blur");
  return {
    runs,
    /** The newest run of `effect`. */
    last: (effect: Effect) => runs.filter((run) => run.effect === effect).at(-1),
    noiseFilter,
    backgroundBlur,
    /** The processing machine on these (for `createFakeCall`'s `effects`). */
    processing: processingWith({ noiseFilter, backgroundBlur }),
  };
}
