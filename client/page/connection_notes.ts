/**
 * What a group call says about its connections, each where it belongs. What is true of every
 * connection is about this side, and goes in the one pill at the top of the stage ("Your
 * connection is losing packets", "Video paused to keep your voice clear", data saver); what is
 * true of one connection only goes on that person's tile ("Weak connection", "Their video is
 * paused: their connection is weak"), so a poor link with Cy never blames Ben, nor you. A call
 * of two keeps its pills (`pills.ts`): there the one connection is the call.
 *
 * Pure: tests feed it connections and read the words.
 *
 * @module
 */
import type { SendingState } from "../adaptation/adaptation.ts";
import { SENDING_LINES, sendingLines } from "../adaptation/sending_view.ts";
import type { Problem } from "../quality/quality.ts";
import type { CallView } from "./call_view.ts";
import { interruptedPill, pickPill, type Pill, PILL_SOURCES } from "./pills.ts";

/** What a tile says about the connection with its person. */
export interface TileNote {
  id: "theirVideoPaused" | "weak" | "videoPaused" | "frozen" | "theirVideoRecovering";
  text: string;
  tone: "warning" | "info";
  /** Said over their picture (it is not shown), not beside their name. */
  over: boolean;
}

/** The words of each note. */
export const TILE_NOTES: Readonly<Record<TileNote["id"], TileNote>> = {
  theirVideoPaused: {
    id: "theirVideoPaused",
    text: SENDING_LINES.theirVideoPaused.text,
    tone: "warning",
    over: true,
  },
  weak: { id: "weak", text: "Weak connection", tone: "warning", over: false },
  videoPaused: {
    id: "videoPaused",
    text: "Your video to them is paused",
    tone: "warning",
    over: false,
  },
  frozen: { id: "frozen", text: "Video frozen", tone: "warning", over: false },
  theirVideoRecovering: {
    id: "theirVideoRecovering",
    text: "Their video is coming back",
    tone: "info",
    over: false,
  },
};

/** One connection of the group as the watch tells it (`connection_watch.ts`). */
export interface GroupConnection {
  session: string;
  /** Up (its stats are read); a connection being made or mended says so on its tile already. */
  connected: boolean;
  problems: readonly Problem[];
  mine: SendingState | null;
  theirs: SendingState | null;
}

/** The group's pill, and each tile's note by session. */
export interface GroupNotes {
  pill: Pill | null;
  notes: Map<string, TileNote>;
}

/** The problems that, on every connection, are about this side. */
const SHARED_PROBLEMS: readonly Problem["id"][] = ["localLoss", "relay"];

/** What the pill and the tiles say in a group call of `connections`. */
export function groupNotes(view: CallView, connections: readonly GroupConnection[]): GroupNotes {
  const up = connections.filter((c) => c.connected);
  const everyone = <T>(has: (c: GroupConnection) => T | undefined | false) =>
    up.length >= 2 && up.every((c) => has(c));
  const shared = SHARED_PROBLEMS.filter((id) =>
    everyone((c) => c.problems.some((p) => p.id === id))
  );
  const mineLines = (c: GroupConnection) => sendingLines(c.mine, null);
  // Data saver is a choice for every connection: said while it lowers any of them.
  const anyLines = [...new Map(up.flatMap(mineLines).map((line) => [line.id, line])).values()];
  const sharedLines = anyLines.filter((line) =>
    line.id === "dataSaver" || everyone((c) => mineLines(c).some((l) => l.id === line.id))
  );
  const pill = pickPill({
    view: { ...view, connected: up.length > 0 },
    problems: up[0]?.problems.filter((p) => shared.includes(p.id)) ?? [],
    theirs: null,
    sending: sharedLines,
  }, PILL_SOURCES.filter((source) => source !== interruptedPill));

  const notes = new Map<string, TileNote>();
  for (const connection of up) {
    const note = noteOf(connection, {
      localLoss: shared.includes("localLoss"),
      lines: new Set(sharedLines.map((line) => line.id)),
    });
    if (note) notes.set(connection.session, note);
  }
  return { pill, notes };
}

/** A connection's note, unless the pill says it for every connection (`said`). */
function noteOf(
  { problems, mine, theirs }: GroupConnection,
  said: { localLoss: boolean; lines: ReadonlySet<string> },
): TileNote | null {
  const has = (id: Problem["id"]) => problems.some((p) => p.id === id);
  if (theirs?.video === "paused") return TILE_NOTES.theirVideoPaused;
  if (has("localLoss") && !said.localLoss) return TILE_NOTES.weak;
  if (mine?.video === "paused" && !said.lines.has("videoPaused")) return TILE_NOTES.videoPaused;
  // Loss measured on this connection only. A picture sent smaller is not called weak: within
  // the group's share of the uplink (`meshLimits`) the estimate may never reach the top level,
  // and every tile would say so on a clean link.
  if (has("remoteLoss")) return TILE_NOTES.weak;
  if (has("frozen")) return TILE_NOTES.frozen;
  if (theirs?.video === "lowered" && theirs.recovering) return TILE_NOTES.theirVideoRecovering;
  return null;
}
