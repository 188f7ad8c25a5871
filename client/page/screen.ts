/**
 * What every screen of the room page is given and gives back: the page shell
 * (`call_page.ts`) renders the screen the view asks for from a {@linkcode PageState}, and
 * destroys it (its listeners, timers and subscriptions with it) when another one takes its place.
 *
 * @module
 */
import type { SnapshotFrom } from "xstate";
import type { CallEvent, callMachine } from "../../machines/call_machine.ts";
import type { EffectControls } from "../processing/effect_switches.ts";
import type { CallView } from "./call_view.ts";

/** Everything a screen renders from, computed once per render. */
export interface PageState {
  view: CallView;
  snapshot: SnapshotFrom<typeof callMachine>;
  /** This side's camera and microphone. */
  stream: MediaStream | null;
  /** The name this person goes by ("" for none). */
  name: string;
}

/** One screen on the page. */
export interface Screen {
  readonly element: HTMLElement;
  /** Shows `state`; called on every render while the screen is up. */
  update(state: PageState): void;
  /** The control a keyboard user should land on for `focus` (see `CallView.focus`). */
  focusTarget(focus: NonNullable<CallView["focus"]>): HTMLElement | null;
  /** Lets go of everything it holds: listeners, timers, streams. */
  destroy(): void;
  /** What the status region says instead of the view's status (who is in a group call). */
  status?(): string | null;
}

/** What screens may ask of the page. */
export interface PageHost {
  send(event: CallEvent): void;
  /** The person's display name, remembered in this browser. */
  readonly name: { get(): string; set(name: string): void };
  /** Runs a card's action that is not a machine event (a new room, the check, the link). */
  perform(event: "newCall" | "checkConnection" | "copyLink"): void;
  /**
   * The switches of noise suppression and background blur: they come with the call's chunk
   * (null until it has loaded; the call screen comes with it).
   */
  effects: EffectControls | null;
  /** Opens the devices dialog. */
  openDevices(): void;
  /** Opens the list of keyboard shortcuts. */
  openHelp(): void;
  /** Starts loading what the call needs (the person is about to join). */
  preload(): void;
  /** Asks for another render (something outside the machines changed). */
  rerender(): void;
  /** The invite link: this page's address. */
  readonly link: string;
  /** The page's sound: levels of a stream, and the chime when someone comes or goes. */
  readonly audio: {
    readLevel(stream: MediaStream): { level(): number; stop(): void } | null;
    chime(rising: boolean): void;
  };
}
