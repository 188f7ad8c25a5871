/**
 * The switches of noise suppression and background blur: what each shows, from the call's
 * snapshot (pure: {@linkcode effectSwitches}), the marks on your own tile of what runs, and the
 * pre-join screen's round buttons. In the call they are items of the More menu
 * (page/menu_items.ts). Part of the call's chunk (page/call_chunk.ts): the pre-join screen shows
 * its switches once that has loaded, a moment after the camera.
 *
 * @module
 */
import { AudioLines, SquareUserRound } from "lucide";
import type { SnapshotFrom } from "xstate";
import type { callMachine } from "../../machines/call_machine.ts";
import { effectOn, type EffectStatus, effectUnavailable } from "../../machines/effect_status.ts";
import type { Effect } from "../../machines/processing_machine.ts";
import { attr, h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import type { SelfMark } from "../page/self_tile.ts";

/** One switch as the page shows it. */
export interface EffectSwitch {
  effect: Effect;
  /** Its name, without its state ("Blur background"). */
  label: string;
  status: EffectStatus;
  /** Switched on. */
  on: boolean;
  /** The browser cannot run it at all (the switch is disabled, saying why). */
  disabled: boolean;
  /** On and working: its track is what is sent (or shown, before joining). */
  running: boolean;
}

/** What the page can do with the switches (`effect_controls.ts`). */
export interface EffectControls {
  /** Switches `effect` on or off, and remembers it. */
  toggle(effect: Effect): void;
  /** What the switch says besides its name (why it is disabled, that it failed), if anything. */
  note(effect: Effect, status: EffectStatus): string | null;
  /** The pre-join screen's switches. */
  prejoin(): PrejoinEffects;
}

/** The pre-join screen's two switches, and the notes that say why one is disabled. */
export interface PrejoinEffects {
  buttons: HTMLButtonElement[];
  notes: HTMLElement[];
  update(snapshot: SnapshotFrom<typeof callMachine>): void;
}

const EFFECTS = ["noise", "blur"] as const;

const LABELS: Readonly<Record<Effect, string>> = {
  noise: "Reduce background noise",
  blur: "Blur background",
};

/** The mark on your own tile while it runs. */
const MARKS: Readonly<Record<Effect, string>> = { noise: "noise reduced", blur: "blurred" };

/** Each effect's icon (the menu's and the pre-join screen's). */
export const EFFECT_ICONS = { noise: AudioLines, blur: SquareUserRound } as const;

/** The two switches as `snapshot` has them. */
export function effectSwitches(snapshot: SnapshotFrom<typeof callMachine>): EffectSwitch[] {
  return EFFECTS.map((effect) => {
    const status = snapshot.context.effects[effect];
    return {
      effect,
      label: LABELS[effect],
      status,
      on: effectOn(status),
      disabled: effectUnavailable(status) !== null,
      running: status === "running",
    };
  });
}

/** What your own tile's name tag adds for what runs ("noise reduced", "blurred"), with icons. */
export function effectMarks(switches: readonly EffectSwitch[]): SelfMark[] {
  return switches.filter((s) => s.running).map((s) => ({
    word: MARKS[s.effect],
    icon: EFFECT_ICONS[s.effect],
  }));
}

/** A round switch on the pre-join screen, and the note that says why it cannot be used. */
export interface EffectButton {
  button: HTMLButtonElement;
  note: HTMLElement;
  update(view: EffectSwitch): void;
}

/**
 * The pre-join screen's switch of `effect`: a round toggle whose name says its state ("Blur
 * background, on") and whose description says why it is disabled where it is.
 */
function effectButton(effect: Effect, controls: EffectControls): EffectButton {
  const note = h("small", { id: `${effect}-note`, hidden: true });
  const button = h("button", {
    type: "button",
    className: "round effect",
    "aria-describedby": note.id,
    onclick: () => controls.toggle(effect),
  }, icon(EFFECT_ICONS[effect]));
  return {
    button,
    note,
    update(view) {
      const label = `${view.label}, ${view.on ? "on" : "off"}`;
      const why = controls.note(effect, view.status) ?? "";
      attr(button, "aria-label", label);
      attr(button, "aria-pressed", String(view.on));
      button.dataset.tip = label;
      button.disabled = view.disabled;
      text(note, why);
      note.hidden = !why;
    },
  };
}

/** The pre-join screen's switches, pressed through `controls`. */
export function prejoinEffects(controls: EffectControls): PrejoinEffects {
  const parts = EFFECTS.map((effect) => effectButton(effect, controls));
  return {
    buttons: parts.map((p) => p.button),
    notes: parts.map((p) => p.note),
    update(snapshot) {
      effectSwitches(snapshot).forEach((view, i) => parts[i].update(view));
    },
  };
}
