/**
 * What the room page does with the switches of noise suppression and background blur, wherever
 * they are shown (the pre-join screen, the call's More menu): switch one and remember it in this
 * browser, and say why one cannot be used. Comes with the call's chunk (page/call_chunk.ts), as the
 * switches do: a first visit carries none of it.
 *
 * @module
 */
import type { SnapshotFrom } from "xstate";
import type { CallEvent, callMachine } from "../../machines/call_machine.ts";
import { effectOn } from "../../machines/effect_status.ts";
import { effectNote } from "./effect_notes.ts";
import { type EffectControls, prejoinEffects } from "./effect_switches.ts";
import { rememberEffect } from "./settings.ts";

/** What the controls act on: the call. */
export interface EffectTarget {
  send(event: CallEvent): void;
  snapshot(): SnapshotFrom<typeof callMachine>;
}

/** The switches' controls for the call `target`. */
export function effectControls(target: EffectTarget): EffectControls {
  const controls: EffectControls = {
    toggle(effect) {
      target.send({ type: "user.toggleEffect", effect });
      rememberEffect(effect, effectOn(target.snapshot().context.effects[effect]));
    },
    note: effectNote,
    prejoin: () => prejoinEffects(controls),
  };
  return controls;
}
