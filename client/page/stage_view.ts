/**
 * What the call's stage shows, as plain data: the other person's tile (their name, a muted
 * badge, a "camera off" placeholder, that they are presenting), the card while you are alone
 * (waiting for them, or they left), the tab's title, and the call's clock. Pure functions of the
 * view and what the other person says about themselves (client/presence/presence.ts), tested
 * without a browser.
 *
 * The stage is a list of remote tiles: one for a call of two today, rendered from data so a call
 * of more is more entries.
 *
 * @module
 */
import type { CallView } from "./call_view.ts";
import type { Presence } from "../presence/presence.ts";
import { isolate } from "../text/safe_text.ts";

/** One remote person's tile. */
export interface RemoteTile {
  id: string;
  /** Their name, or "The other person". */
  name: string;
  /** The letter in their placeholder. */
  initial: string;
  /** Their camera is off: show the placeholder, not a black picture. */
  cameraOff: boolean;
  cameraOffText: string;
  /** Their microphone is off. */
  muted: boolean;
  /** Their screen goes out instead of their camera: fit it whole, say so. */
  presenting: boolean;
  /** Over their picture while it is not live yet ("Connecting…"), or null. */
  status: string | null;
}

/** The stage's words and switches. */
export interface StageView {
  /** The people in the call besides you (empty while you are alone). */
  tiles: RemoteTile[];
  /** The card while you are alone: its heading and sentence, or null. */
  card: { title: string; text: string } | null;
  /** The tab's title. */
  title: string;
}

/** The stage for `view`; `theirs` is what the other person said, `lastName` their last name. */
export function stageView(view: CallView, theirs: Presence | null, lastName = ""): StageView {
  const named = theirs?.name || lastName;
  const name = named || "The other person";
  let title = "Parley call";
  let card: StageView["card"] = null;
  const tiles: RemoteTile[] = [];
  if (view.peer === "here") {
    // Their name isolated: a right-to-left name cannot reorder the title around it.
    title = `Parley — ${theirs?.name ? isolate(theirs.name) : "they"} joined`;
    tiles.push({
      id: "peer",
      name,
      initial: (named.match(/\p{L}|\p{N}/u)?.[0] ?? "?").toUpperCase(),
      cameraOff: theirs?.camera === false && !theirs.sharing,
      cameraOffText: named ? `${named}'s camera is off` : "Their camera is off",
      muted: theirs?.mic === false,
      presenting: theirs?.sharing === true,
      status: view.connected ? null : view.status,
    });
  } else if (view.waiting) {
    title = view.peer === "left" ? "Parley — they left" : "Parley — waiting for them";
    card = view.peer === "left" ? goneCard(view.absence, named) : {
      title: "Waiting for the other person",
      text: "Send them this link. The call starts when they open it and join.",
    };
  }
  return { tiles, card, title };
}

function goneCard(absence: CallView["absence"], named: string): StageView["card"] {
  const who = named ? isolate(named) : "The other person";
  const back = "You can wait here: they can come back with this link.";
  switch (absence) {
    case "hang-up":
      return { title: `${who} left the call`, text: back };
    case "closed":
      return { title: `${who} left or reloaded the page`, text: "Waiting for them to come back…" };
    default:
      return { title: `${who} left`, text: back };
  }
}

/** When the call's clock started (ms), or null while it does not run. */
export type ClockStart = number | null;

/**
 * The call's clock after `view`: it starts when the two of you are connected, goes on across a
 * reconnection, and stops (and is gone) while you are alone or out of the call.
 */
export function nextClock(since: ClockStart, view: CallView, now: number): ClockStart {
  if (!view.inCall || view.peer !== "here") return null;
  if (since === null && view.connected) return now;
  return since;
}

/** "4:05", "1:02:09": how long the call has lasted. */
export function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
