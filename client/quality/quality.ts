/**
 * The quality indicator's judgement: from each second's {@linkcode StatsSample}, what is wrong
 * and on whose side, in plain words — and nothing when all is well. A problem shows after
 * {@linkcode APPEAR_AFTER} bad seconds in a row and goes after {@linkcode CLEAR_AFTER} good ones,
 * so that a single lost burst does not make it flicker.
 *
 * Whose side: packets the other person sent that do not reach us were lost on the way in to us
 * ("Your connection is losing packets"); packets we sent that they report lost (their RTCP
 * receiver reports, `remote-inbound-rtp`) were lost on the way in to them ("Their connection is
 * losing packets"). Loss is counted against the receiving end, where it is usually felt (Wi-Fi,
 * a busy downlink).
 *
 * Pure: tests feed it samples and read its verdicts.
 *
 * @module
 */
import type { StatsSample } from "./stats_sample.ts";

/** Bad seconds in a row before a problem is shown. */
export const APPEAR_AFTER = 3;
/** Good seconds in a row before a shown problem goes. */
export const CLEAR_AFTER = 5;
/** Share of packets lost in a second that counts as losing packets. */
export const LOSS_THRESHOLD = 0.05;
/** Fewer packets than this in a second say too little to judge loss. */
const MIN_PACKETS = 10;

/** What can be wrong. */
export type ProblemId = "localLoss" | "remoteLoss" | "frozen" | "relay";

/** A problem in plain words; `info` ones are worth knowing rather than wrong. */
export interface Problem {
  id: ProblemId;
  text: string;
  severity: "warning" | "info";
}

/** The words for each problem. */
export const PROBLEMS: Readonly<Record<ProblemId, Problem>> = {
  localLoss: { id: "localLoss", text: "Your connection is losing packets", severity: "warning" },
  remoteLoss: {
    id: "remoteLoss",
    text: "Their connection is losing packets",
    severity: "warning",
  },
  frozen: { id: "frozen", text: "Their video is frozen", severity: "warning" },
  relay: { id: "relay", text: "The call goes through a relay", severity: "info" },
};

const ORDER: readonly ProblemId[] = ["localLoss", "remoteLoss", "frozen", "relay"];

/** How each problem has been lately. */
export type QualityState = Readonly<
  Record<ProblemId, { shown: boolean; bad: number; good: number }>
>;

/** Nothing shown, nothing counted. */
export function initialQuality(): QualityState {
  const fresh = { shown: false, bad: 0, good: 0 };
  return { localLoss: fresh, remoteLoss: fresh, frozen: fresh, relay: fresh };
}

/** Which problems a single second shows. */
export function symptoms(sample: StatsSample): Record<ProblemId, boolean> {
  return {
    localLoss: sample.inExpected >= MIN_PACKETS &&
      sample.inLost / sample.inExpected >= LOSS_THRESHOLD,
    remoteLoss: (sample.outLossFraction ?? 0) >= LOSS_THRESHOLD,
    // Frozen: their video did decode before, and in this second not a single frame did.
    frozen: (sample.totalFramesDecoded ?? 0) > 0 && sample.framesDecoded === 0,
    relay: sample.path === "relay",
  };
}

/**
 * What the other side said it sends, so that a picture they stopped on purpose is not taken for
 * a frozen one: `video` false while their camera is off, being switched, or a screen they share
 * shows nothing new (a still screen sends no frames).
 */
export interface Expected {
  video: boolean;
}

/**
 * The state after one more second. "Frozen" is judged only while their video is expected; when
 * it is not, what was counted is forgotten, so it takes {@linkcode APPEAR_AFTER} bad seconds
 * again once it is.
 */
export function nextQuality(
  state: QualityState,
  sample: StatsSample,
  expected: Expected = { video: true },
): QualityState {
  const now = symptoms(sample);
  if (!expected.video) now.frozen = false;
  const next = {} as Record<ProblemId, { shown: boolean; bad: number; good: number }>;
  for (const id of ORDER) {
    const { shown, bad, good } = state[id];
    const counts = now[id] ? { bad: bad + 1, good: 0 } : { bad: 0, good: good + 1 };
    next[id] = {
      ...counts,
      shown: shown ? counts.good < CLEAR_AFTER : counts.bad >= APPEAR_AFTER,
    };
  }
  if (!expected.video) next.frozen = { shown: false, bad: 0, good: 0 };
  return next;
}

/** What to show now: the problems that are on, warnings first; empty when all is well. */
export function verdict(state: QualityState): Problem[] {
  return ORDER.filter((id) => state[id].shown).map((id) => PROBLEMS[id]);
}
