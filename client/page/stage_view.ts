/**
 * What the call's stage shows, as plain data: the other person's tile (their name, a muted
 * badge, a "camera off" placeholder, that they are presenting), the card while you are alone
 * (waiting for them, or they left), the tab's title, and the call's clock. Pure functions of the
 * view and what the other person says about themselves (client/presence/presence.ts), tested
 * without a browser.
 *
 * The stage is a list of remote tiles, one per other person: a call of two is one tile, a group
 * call a grid of up to three.
 *
 * @module
 */
import type { CallView } from "./call_view.ts";
import type { Presence } from "../presence/presence.ts";
import type { TileNote } from "./connection_notes.ts";
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
  /**
   * Over their picture while it is not live yet ("Connecting…") or paused by the network, or
   * null.
   */
  status: string | null;
  /** Beside their name: how the connection with them goes, in a group ("Weak connection"). */
  note: { text: string; tone: "warning" | "info" } | null;
  /**
   * In a group, what is wrong with the connection with them in a sentence that names them, for
   * screen readers ("Ben: Weak connection."); null while all is well, or being connected.
   */
  spoken: string | null;
}

/** The stage's words and switches. */
export interface StageView {
  /** The people in the call besides you (empty while you are alone). */
  tiles: RemoteTile[];
  /** The card while you are alone: its heading and sentence, or null. */
  card: { title: string; text: string } | null;
  /** The tab's title. */
  title: string;
  /**
   * Who is in the call and who left, in words ("Ada and Ben are in the call. Cy left the call."),
   * for the status region; null in a call of two (the view's status says it there).
   */
  presence: string | null;
}

/** One other person as the stage reads them: what they said, and their connection. */
export interface StagePerson {
  /** Their session (the tile's key). */
  id: string;
  /** What they said about themselves last (null until they say something). */
  theirs: Presence | null;
  /** The last name they gave ("" for none). */
  lastName: string;
  /** Their peer connection (`people.ts`). */
  link: "connecting" | "connected" | "interrupted" | "failed";
  /** What a group call says about the connection with them (`connection_notes.ts`). */
  note?: TileNote | null;
}

/** Someone who left, named by the last name they gave. */
export interface StageGone {
  id: string;
  lastName: string;
  absence: CallView["absence"];
}

/** "Ada", "Ada and Ben", "Ada, Ben and Cy" (each name isolated). */
export function listNames(names: readonly string[]): string {
  const shown = names.map((name) => isolate(name));
  return shown.length < 2 ? shown.join("") : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

function tileOf(view: CallView, person: StagePerson, one: boolean): RemoteTile {
  const { theirs } = person;
  const named = theirs?.name || person.lastName;
  const status = person.link === "connected"
    ? null
    : one
    ? (view.connected ? null : view.status)
    : person.link === "interrupted"
    ? "Reconnecting…"
    : person.link === "failed"
    ? `Can't reach ${named || "them"}. Trying again…`
    : "Connecting…";
  const note = person.note ?? null;
  const who = isolate(named || "Someone");
  const spoken = one || person.link === "connecting"
    ? null
    : person.link === "interrupted"
    ? `Reconnecting to ${who}…`
    : person.link === "failed"
    ? `Can't reach ${who}. Trying again…`
    : note
    ? `${who}: ${note.text}.`
    : null;
  return {
    id: person.id,
    name: named || (one ? "The other person" : "Someone"),
    initial: (named.match(/\p{L}|\p{N}/u)?.[0] ?? "?").toUpperCase(),
    cameraOff: theirs?.camera === false && !theirs.sharing,
    cameraOffText: named ? `${named}'s camera is off` : "Their camera is off",
    muted: theirs?.mic === false,
    presenting: theirs?.sharing === true,
    status: status ?? (note?.over ? note.text : null),
    note: note && !note.over && status === null ? { text: note.text, tone: note.tone } : null,
    spoken,
  };
}

/**
 * The stage for `view`, with the other people `here` (what each said about themselves, their
 * connection), those `gone` since the last one arrived, and those `back` after a reload or a
 * network cut (`client/presence/returns.ts`). A call of two reads as it always has ("Ada joined",
 * "Ada left the call"); a group says who is in it ("Ben and Dee are in the call. Dee is back.").
 */
export function stageView(
  view: CallView,
  here: readonly StagePerson[],
  gone: readonly StageGone[] = [],
  back: readonly string[] = [],
): StageView {
  let title = "Parley call";
  let card: StageView["card"] = null;
  let presence: string | null = null;
  const tiles = view.peer === "here"
    ? here.map((person) => tileOf(view, person, here.length === 1 && gone.length === 0))
    : [];
  const names = (people: readonly { theirs?: Presence | null; lastName: string }[]) =>
    people.map((p) => p.theirs?.name || p.lastName || "Someone");
  // Who is back is no longer said to have left (their new page is here, their old one gone).
  const left = names(gone).filter((name) => !back.includes(name));
  const leftWords = left.length === 0 ? "" : ` ${listNames(left)} left the call.`;
  const backWords = back.length === 0
    ? ""
    : ` ${listNames(back)} ${back.length === 1 ? "is" : "are"} back.`;
  if (tiles.length === 1 && gone.length === 0) {
    const theirs = here[0].theirs;
    // Their name isolated: a right-to-left name cannot reorder the title around it.
    title = `Parley — ${theirs?.name ? isolate(theirs.name) : "they"} joined`;
  } else if (tiles.length > 0) {
    const who = listNames(names(here));
    const are = tiles.length === 1 ? "is" : "are";
    presence = `${who} ${are} in the call.${backWords}${leftWords}`;
    title = `Parley — ${who} ${are} in the call`;
  } else if (view.waiting) {
    const last = gone.at(-1);
    const left = view.peer === "left" || last !== undefined;
    title = left ? "Parley — they left" : "Parley — waiting for them";
    if (gone.length > 1) {
      title = `Parley — ${listNames(names(gone))} left`;
      card = {
        title: `${listNames(names(gone))} left the call`,
        text: "You can wait here: they can come back with this link.",
      };
    } else {
      card = left ? goneCard(last?.absence ?? view.absence, last?.lastName ?? "") : view.group
        ? {
          title: "Waiting for the others",
          text: "Send them this link. The call starts when someone opens it and joins.",
        }
        : {
          title: "Waiting for the other person",
          text: "Send them this link. The call starts when they open it and join.",
        };
    }
  }
  return { tiles, card, title, presence };
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
