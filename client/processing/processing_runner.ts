/**
 * Noise suppression and background blur's machine with the browser's effects (a bundle of its
 * own, loaded by processing_host.ts once an effect is to run). It runs under a small root actor of
 * its own, which passes the host's commands down and hands what the machine reports to `report`:
 * a root can be stopped (a child made with another actor as its parent could not be, and the
 * call's actor is in another bundle, with its own copy of xstate).
 *
 * @module
 */
import { type ActorRef, createActor, sendTo, setup, type Snapshot } from "xstate";
import {
  type ProcessingCommand,
  type ProcessingInput,
  type ProcessingReport,
  processingWith,
} from "../../machines/processing_machine.ts";
import { backgroundBlur, noiseFilter } from "./effect_actors.ts";

/** The running machine, as its host holds it. */
export type RunningProcessing = ActorRef<Snapshot<unknown>, ProcessingCommand>;

/** Starts the processing machine; what it reports goes to `report`. */
export function runProcessing(
  input: ProcessingInput,
  report: (event: ProcessingReport) => void,
): RunningProcessing {
  const root = setup({
    types: { events: {} as ProcessingCommand | ProcessingReport },
    actors: { processing: processingWith({ noiseFilter, backgroundBlur }) },
    actions: {
      report: ({ event }) => report(event as ProcessingReport),
      forward: sendTo("processing", ({ event }) => event as ProcessingCommand),
    },
  }).createMachine({
    invoke: { id: "processing", src: "processing", input },
    on: {
      "processing.output": { actions: "report" },
      "processing.failed": { actions: "report" },
      "processing.set": { actions: "forward" },
      "media.sources": { actions: "forward" },
      "call.joined": { actions: "forward" },
    },
  });
  return createActor(root).start();
}
