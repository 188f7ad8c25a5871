/**
 * The status pills at the top of the stage: one at a time, the most important first. Each
 * source looks at the call and says its pill or nothing; the first that speaks is shown. A new
 * kind of pill is one more source in {@linkcode PILL_SOURCES}, at the place its importance puts
 * it.
 *
 * @module
 */
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
}

/** A source of one kind of pill. */
export type PillSource = (input: PillInput) => Pill | null;

/** Every source, most important first. */
export const PILL_SOURCES: PillSource[] = [
  // The server is away, a camera or microphone is starting or refused, the other is away.
  ({ view }) => view.notice ? { id: "notice", text: view.notice, tone: "warning" } : null,
  // The path between the two broke: the link machine is restoring it.
  ({ view }) =>
    view.peer === "here" && view.inCall && !view.connected && view.status.includes("interrupted")
      ? { id: "interrupted", text: view.status, tone: "warning" }
      : null,
  // The network, as the quality indicator judges it: loss each way, a frozen picture, a relay.
  ({ view, problems }) => {
    const problem = view.connected ? problems[0] : undefined;
    return problem ? { id: problem.id, text: problem.text, tone: problem.severity } : null;
  },
];

/** The pill to show now, or null. */
export function pickPill(input: PillInput, sources: readonly PillSource[] = PILL_SOURCES) {
  for (const source of sources) {
    const pill = source(input);
    if (pill) return pill;
  }
  return null;
}
