/**
 * What the seconds of a call say about the path this side sends on, for the adaptation
 * (`adaptation.ts`): counters kept from one second to the next ({@linkcode PathMemory}) and what
 * they mean now ({@linkcode PathReading}). Three kinds of trouble look alike in the browser's
 * estimate and are told apart here:
 * - a **full link** (a rate limit): round trips well above their usual, a queue;
 * - **random loss** on a path with room (Wi-Fi, a poor radio): packets lost, no queue; the browser's
 *   estimate falls for the loss alone, and the picture's size need not;
 * - a **busy machine**: the browser holds the video back for want of CPU
 *   (`qualityLimitationReason` "cpu") and round trips rise with nothing lost (a starved page reads
 *   its reports late). Neither is the network's doing.
 *
 * Pure.
 *
 * @module
 */
import { levelFor, queuedLately, queueing, type SendSample, videoBudget } from "./send_levels.ts";
import type { VideoSource } from "./send_levels.ts";

/** A reported loss above which the path is not clean enough to go up. */
export const LOSSY = 0.1;
/** A reported loss from which a second counts as losing most packets. */
export const SEVERE_LOSS = 0.4;
/** A reported loss at or below which a second counts as losing nothing. */
export const NO_LOSS = 0.02;
/** Seconds after the last one that lost packets during which the path counts as lossy. */
export const LOSS_MEMORY = 5;
/** Seconds after the last one the browser said it lacked CPU during which the machine is busy. */
export const CPU_MEMORY = 3;
/** How many round trips are remembered for the usual one. */
const RTT_MEMORY = 30;

/** What is kept from one second to the next. */
export interface PathMemory {
  /** Recent round trips, for the usual one. */
  rtts: number[];
  /** The last estimate, bit/s. */
  estimate: number | null;
  /** Seconds in a row whose estimate was too little for the lowest level. */
  short: number;
  /** Seconds in a row that lost packets; that lost most of them. */
  lossy: number;
  severe: number;
  /** Seconds in a row losing little with no queue lately. */
  clear: number;
  /** Seconds since one lost packets; since the browser said it lacked CPU (large: long ago). */
  sinceLoss: number;
  sinceCpu: number;
}

/** What the path looks like this second. */
export interface PathReading {
  /** The estimate (this second's, or the last one when the stats lack it), and whether fresh. */
  estimate: number | null;
  known: boolean;
  /** The video bandwidth it leaves, and the best level that affords (-1: not the lowest). */
  budget: number;
  afford: number;
  /** The loss reported this second (0 when none was). */
  loss: number;
  /** No queue now and little loss: a path to go up on. */
  clean: boolean;
  /** A full link: a queue lately, on a machine not short of CPU. */
  queued: boolean;
  /** The machine is busy and the path loses nothing: lowering the picture is the browser's job. */
  busy: boolean;
  /** Random loss without a queue: the estimate fell for the loss, not for a full link. */
  lossOnly: boolean;
  /** Two seconds or more of loss, then one without. */
  lossEnded: boolean;
}

/** Nothing seen yet. */
export function freshPath(): PathMemory {
  const long = Number.MAX_SAFE_INTEGER;
  const counts = { short: 0, lossy: 0, severe: 0, clear: 0 };
  return { rtts: [], estimate: null, ...counts, sinceLoss: long, sinceCpu: long };
}

/** One more second of `sample` for a picture from `source`, levels from `top` down. */
export function readPath(
  memory: PathMemory,
  sample: SendSample,
  ladder: { source: VideoSource; top: number },
): { memory: PathMemory; reading: PathReading } {
  const known = sample.estimate !== null;
  const estimate = sample.estimate ?? memory.estimate;
  const budget = videoBudget(estimate);
  const afford = levelFor(ladder.source, budget, ladder.top);
  const loss = sample.loss ?? 0;
  const measured = sample.loss !== null;
  const lost = measured && loss > NO_LOSS;
  const sinceLoss = lost ? 0 : memory.sinceLoss + 1;
  const sinceCpu = sample.cpuLimited ? 0 : memory.sinceCpu + 1;
  const lossLately = sinceLoss < LOSS_MEMORY;
  // Round trips risen on a machine short of CPU are its own delay, not a queue on the path.
  const cpuLately = sinceCpu < CPU_MEMORY;
  const queued = !cpuLately && queuedLately(memory.rtts, sample.rttMs);
  const clean = !queueing(memory.rtts, sample.rttMs) && loss <= LOSSY;
  const rtts = sample.rttMs === null ? memory.rtts : [...memory.rtts, sample.rttMs];
  const lossy = !measured ? memory.lossy : lost ? memory.lossy + 1 : 0;
  const next: PathMemory = {
    rtts: rtts.slice(-RTT_MEMORY),
    estimate,
    short: !known ? memory.short : afford < 0 ? memory.short + 1 : 0,
    lossy,
    severe: !measured ? memory.severe : loss >= SEVERE_LOSS ? memory.severe + 1 : 0,
    clear: clean && !queued ? memory.clear + 1 : 0,
    sinceLoss,
    sinceCpu,
  };
  const reading: PathReading = {
    ...{ estimate, known, budget, afford, loss, clean, queued },
    busy: cpuLately && !lossLately,
    lossOnly: lossLately && !queued,
    lossEnded: memory.lossy >= 2 && lossy === 0,
  };
  return { memory: next, reading };
}
