/**
 * Noise suppression and background blur's machine with the browser's effects (a bundle of
 * its own, loaded by processing_host.ts once an effect is to run; its copy of xstate runs the
 * machine as a child of the call page's actor, same version, same system).
 *
 * @module
 */
import { type AnyActorRef, createActor } from "xstate";
import { type ProcessingInput, processingWith } from "../../machines/processing_machine.ts";
import { backgroundBlur, noiseFilter } from "./effect_actors.ts";

/** Starts the processing machine under `parent`, which hears what it reports. */
export function runProcessing(input: ProcessingInput, parent: AnyActorRef): AnyActorRef {
  return createActor(processingWith({ noiseFilter, backgroundBlur }), { input, parent }).start();
}
