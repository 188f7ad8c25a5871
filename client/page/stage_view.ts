/**
 * What the stage shows around the videos: the other person's name, a muted badge and a "camera
 * off" placeholder from what they said over the data channel (client/presence.ts), a message in
 * the middle of the stage when there is news, and the title of the tab. Pure functions of the
 * view and the other person's presence, tested without a browser.
 *
 * @module
 */
import type { CallView } from "./call_view.ts";
import type { Presence } from "../presence/presence.ts";
import { isolate } from "../text/safe_text.ts";

/** The stage's words and switches. */
export interface StageView {
  /** What the name tag says about the other person. */
  name: string;
  /** The letter in their placeholder. */
  initial: string;
  /** Their camera is off: show the placeholder, not a black picture. */
  cameraOff: boolean;
  cameraOffText: string;
  /** Their microphone is off. */
  muted: boolean;
  /** News in the middle of the stage (someone left, connecting...), or null. */
  message: string | null;
  /** The tab's title. */
  title: string;
}

/** The stage for `view`, `theirs` being what the other person said about themselves. */
export function stageView(view: CallView, theirs: Presence | null): StageView {
  const here = view.screen === "call" && view.peer === "here";
  const name = theirs?.name || "The other person";
  const cameraOff = here && theirs?.camera === false;
  let message: string | null = null;
  if (view.screen === "call" && !view.connected && view.peer !== "none") message = view.status;
  let title = "Parley call";
  if (view.screen === "call") {
    // Their name isolated: a right-to-left name cannot reorder the title around it.
    if (view.peer === "here") {
      title = `Parley — ${theirs?.name ? isolate(theirs.name) : "they"} joined`;
    } else if (view.peer === "left") title = "Parley — they left";
    else if (view.waiting) title = "Parley — waiting for them";
  } else if (view.status === "You left the call.") title = "Parley — you left";
  return {
    name,
    initial: (theirs?.name.match(/\p{L}|\p{N}/u)?.[0] ?? "?").toUpperCase(),
    cameraOff,
    cameraOffText: theirs?.name ? `${theirs.name}'s camera is off` : "Their camera is off",
    muted: here && theirs?.mic === false,
    message,
    title,
  };
}

/** "4:05", "1:02:09": how long the call has lasted. */
export function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
