/**
 * The status pills at the top of the stage: one at a time, the most important first. Each
 * source looks at the call and says its pill or nothing; the first that speaks is shown. A new
 * kind of pill is one more source in {@linkcode PILL_SOURCES}, at the place its importance puts
 * it.
 *
 * @module
 */
import type { SendingLine } from "../adaptation/sending_view.ts";
import type { Problem } from "../quality/quality.ts";
import type { Presence } from "../presence/presence.ts";
import type { CallView } from "./call_view.ts";

/** One pill: what it says, and how: a warning, or information. */
export interface Pill {
  id: string;
  text: string;
  tone: "warning" | "info";
}

/** What the sources look at. */
export interface PillInput {
  view: CallView;
  /** The quality indicator's verdict, warnings first. */
  problems: readonly Problem[];
  /** What the other person says about themselves. */
  theirs: Presence | null;
  /** What Parley does to each side's picture (`sending_view.ts`), warnings first. */
  sending: readonly SendingLine[];
}

/** A sending line's pill, of `severity` only. */
function sendingPill(severity: SendingLine["severity"]): PillSource {
  return ({ view, sending }) => {
    const line = view.connected ? sending.find((l) => l.severity === severity) : undefined;
    return line ? { id: line.id, text: line.text, tone: line.severity } : null;
  };
}

/** The quality indicator's first problem of `severity` (and of `id`, if given), while connected. */
function problemPill(severity: Problem["severity"], id?: Problem["id"]): PillSource {
  return ({ view, problems, sending }) => {
    // A picture said to be paused is not also said to be frozen.
    const paused = sending.some((line) => line.id === "theirVideoPaused");
    const problem = view.connected
      ? problems.find((p) =>
        p.severity === severity && (id === undefined || p.id === id) &&
        !(paused && p.id === "frozen")
      )
      : undefined;
    return problem ? { id: problem.id, text: problem.text, tone: problem.severity } : null;
  };
}

/** A source of one kind of pill. */
export type PillSource = (input: PillInput) => Pill | null;

/** The path between the two broke (a call of two: in a group, the tile says whose). */
export const interruptedPill: PillSource = ({ view }) =>
  view.peer === "here" && view.inCall && !view.connected && view.status.includes("interrupted")
    ? { id: "interrupted", text: view.status, tone: "warning" }
    : null;

/** Every source, most important first. */
export const PILL_SOURCES: PillSource[] = [
  // The server is away, a camera or microphone is starting or refused, the other is away.
  ({ view }) => view.notice ? { id: "notice", text: view.notice, tone: "warning" } : null,
  // The path between the two broke: the link machine is restoring it.
  interruptedPill,
  // Packets lost on the way in to us: said first, since their picture paused or lowered for
  // it is our connection's doing, not theirs.
  problemPill("warning", "localLoss"),
  // What Parley did to keep the call going: a picture paused or lowered (either side's).
  sendingPill("warning"),
  // The network, as the quality indicator judges it: loss each way, a frozen picture.
  problemPill("warning"),
  // Information: data saver, a picture coming back, a relayed call.
  sendingPill("info"),
  problemPill("info"),
];

/** The pill to show now, or null. */
export function pickPill(input: PillInput, sources: readonly PillSource[] = PILL_SOURCES) {
  for (const source of sources) {
    const pill = source(input);
    if (pill) return pill;
  }
  return null;
}
