/**
 * The body of the browser's `processing` actor: it stands for noise suppression and background
 * blur's machine (machines/processing_machine.ts) and loads it, a bundle of its own, only once an
 * effect is to run: blur switched on (its preview shows before joining), or noise suppression on
 * once the call starts (nobody hears the pre-join screen). A first visit that does neither loads
 * none of it. Until then it keeps what it is told, and hands it over in order; once loaded, it
 * passes events on and reports back what the machine says.
 *
 * The body itself comes with the call's chunk (page/call_chunk.ts), as the switches do: the room
 * page's `processing` actor (main.ts) waits for that chunk, and keeps what it is told meanwhile.
 *
 * @module
 */
import type { ActorBody } from "../effects/deferred_actor.ts";
import type { RunningProcessing } from "./processing_runner.ts";
import type {
  ProcessingCommand,
  ProcessingInput,
  ProcessingReport,
} from "../../machines/processing_machine.ts";

/** Where the build put processing_runner.ts's bundle; filled in by the build. */
declare const PARLEY_PROCESSING_URL: string;

/** The body of the `processing` actor the browser provides to the call machine. */
export const runProcessingHost: ActorBody<ProcessingCommand, ProcessingInput> = (
  { input, receive, sendBack },
) => {
  const on = { ...input.on };
  let inCall = false;
  let machine: RunningProcessing | null = null;
  let loading = false;
  let stopped = false;
  /** What it was told before the machine ran, in order: the machine hears it all from `input`. */
  const held: ProcessingCommand[] = [];
  const load = () => {
    const wanted = (on.blur && !input.unavailable.blur) ||
      (on.noise && inCall && !input.unavailable.noise);
    if (loading || !wanted) return;
    loading = true;
    const url = PARLEY_PROCESSING_URL;
    (import(url) as Promise<typeof import("./processing_runner.ts")>).then(({ runProcessing }) => {
      if (stopped) return;
      machine = runProcessing(input, sendBack);
      for (const event of held.splice(0)) machine.send(event);
    }, (error) => {
      console.warn("Parley: noise suppression and blur could not load.", error);
      // Each effect that was on failed: off until switched on again, which tries again.
      for (const effect of ["noise", "blur"] as const) {
        if (!on[effect]) continue;
        on[effect] = false;
        const failed: ProcessingReport = {
          type: "processing.failed",
          effect,
          reason: String(error),
        };
        sendBack(failed);
      }
      loading = false;
    });
  };
  receive((event) => {
    if (machine) return machine.send(event);
    if (event.type === "processing.set") on[event.effect] = event.on;
    if (event.type === "call.joined") inCall = true;
    held.push(event);
    load();
  });
  load();
  return () => {
    stopped = true;
    machine?.stop();
  };
};
