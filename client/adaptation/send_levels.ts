/**
 * The ladders the adaptation (`adaptation.ts`) climbs: what a picture may use at each
 * level, what bandwidth each needs, and the arithmetic that picks one from a second of stats.
 * Pure.
 *
 * @module
 */
import type { SendLimits } from "../../machines/peer_types.ts";

/** One second of what this side sends, from its stats. */
export interface SendSample {
  /** The browser's estimate of what this side can send (`availableOutgoingBitrate`), bit/s. */
  estimate: number | null;
  /** The share of what this side sent that the other side reports lost, 0..1. */
  loss: number | null;
  /** Round-trip time, ms. */
  rttMs: number | null;
  /** Whether the browser holds the video back for want of CPU (`qualityLimitationReason`). */
  cpuLimited: boolean;
}

/** What is sent as video: a camera, a screen, or nothing (camera off). */
export type VideoSource = "camera" | "screen" | "none";

/** One step of a ladder: the limits, and the video bandwidth it needs (bit/s). */
export interface Level extends SendLimits {
  need: number;
}

/** A camera keeps its frame rate and gives up resolution. */
export const CAMERA_LEVELS: readonly Level[] = [
  // The browser sends 720p well at 1 Mbit/s (and lowers it itself below that).
  { need: 1_000_000 },
  { height: 540, maxBitrate: 1_000_000, need: 700_000 },
  { height: 360, maxBitrate: 450_000, need: 330_000 },
  { height: 270, maxBitrate: 280_000, need: 200_000 },
  { height: 180, maxBitrate: 150_000, need: 100_000 },
];

/** A screen keeps its resolution (text stays sharp) and gives up frames. */
export const SCREEN_LEVELS: readonly Level[] = [
  { need: 1_200_000 },
  { maxFramerate: 15, maxBitrate: 800_000, need: 500_000 },
  { maxFramerate: 5, maxBitrate: 400_000, need: 250_000 },
  { maxFramerate: 2, maxBitrate: 150_000, need: 100_000 },
];

/** The highest level data saver allows (a 360p camera at 450 kbit/s, a screen at 5 frames/s). */
export const SAVER_LEVEL = 2;

/** A paused picture: a thumbnail at one frame a second, and a thinner voice. */
export const PAUSED: SendLimits = {
  height: 90,
  maxFramerate: 1,
  maxBitrate: 30_000,
  audioMaxBitrate: 20_000,
};

/** What the voice (Opus with RED, and the packets' headers) is counted to take, bit/s. */
export const VOICE_RESERVE = 80_000;
/** The share of the estimate the video may plan on: the rest keeps the queue empty. */
export const HEADROOM = 0.85;
/** Round trips this much above the lowest lately mean a queue is building, ms. */
export const QUEUE_MS = 150;
/** The ladder of `source`. */
export function ladder(source: VideoSource): readonly Level[] {
  return source === "screen" ? SCREEN_LEVELS : CAMERA_LEVELS;
}

/** The highest level allowed (0, or the saver's). */
export function topLevel(saver: boolean): number {
  return saver ? SAVER_LEVEL : 0;
}

/** The video bandwidth an estimate leaves, bit/s (0 without an estimate). */
export function videoBudget(estimate: number | null): number {
  return estimate === null ? 0 : estimate * HEADROOM - VOICE_RESERVE;
}

/** The best level `budget` affords on `source`'s ladder, at most `top`; -1: not even the lowest. */
export function levelFor(source: VideoSource, budget: number, top: number): number {
  const levels = ladder(source);
  for (let i = top; i < levels.length; i++) if (levels[i].need <= budget) return i;
  return -1;
}

/** Whether round trips are well above their usual: a queue is building. */
export function queueing(rtts: readonly number[], rttMs: number | null): boolean {
  if (rttMs === null || rtts.length < 3) return false;
  return rttMs - Math.min(...rtts) > QUEUE_MS;
}

/**
 * Whether a queue built at any time the round trips remember (a rate limit shows one; random loss
 * on a path with room does not).
 */
export function queuedLately(rtts: readonly number[], rttMs: number | null): boolean {
  const all = rttMs === null ? rtts : [...rtts, rttMs];
  return all.length >= 3 && Math.max(...all) - Math.min(...all) > QUEUE_MS;
}

/**
 * What this side's pictures to all the others together may take on the wire in a call of four,
 * bit/s, RTP headers included: about what a home uplink carries for video beside the voices.
 */
export const MESH_VIDEO_TARGET = 2_500_000;

/**
 * How far what goes on the wire runs above the `maxBitrate`s set: the encoder overshoots its
 * target (a key frame, a busy picture) and RTP headers come on top. Measured in a call of four
 * (`deno task bench --only=group`): 2,530 kbit/s at most over 15 s for three connections capped
 * at 800 kbit/s, 1.054×; planned at 1.15× so that the peak, not only the mean, stays under
 * {@linkcode MESH_VIDEO_TARGET}.
 */
export const WIRE_OVERSHOOT = 1.15;

/**
 * What the `maxBitrate`s of all the connections may add up to in a group call, bit/s:
 * {@linkcode MESH_VIDEO_TARGET} ÷ {@linkcode WIRE_OVERSHOOT}, in whole kbit/s (three connections
 * of 724 kbit/s in a call of four). A number, not a sum the bundler would have to keep on pages
 * that never share an uplink.
 */
export const MESH_VIDEO_BUDGET = 2_173_000;

/**
 * The limits of each connection when this side sends to `others` people at once (a mesh: one
 * copy of the picture per person): the budget shared out (in whole kbit/s), and a smaller picture
 * as each share gets thinner. A call of two is not limited. The adaptation's own limits still
 * apply; the smaller of the two wins ({@linkcode tighter}).
 */
export function meshLimits(others: number): SendLimits {
  if (others <= 1) return {};
  const share = Math.floor(MESH_VIDEO_BUDGET / others / 1000) * 1000;
  const height = share >= 1_000_000 ? 540 : share >= 450_000 ? 360 : share >= 280_000 ? 270 : 180;
  return { height, maxBitrate: Math.min(share, 1_000_000) };
}

function least(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** Both limits at once: the smaller picture, bitrate and frame rate of the two; `a`'s `fresh`. */
export function tighter(a: SendLimits, b: SendLimits): SendLimits {
  const out: SendLimits = { ...a };
  const keys = ["height", "maxBitrate", "maxFramerate", "audioMaxBitrate"] as const;
  for (const key of keys) {
    const value = least(a[key], b[key]);
    if (value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}
