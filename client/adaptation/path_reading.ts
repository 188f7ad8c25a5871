/**
 * What the seconds of a call say about the path this side sends on, for the adaptation
 * (`adaptation.ts`): counters kept from one second to the next ({@linkcode PathMemory}) and what
 * they mean now ({@linkcode PathReading}). Three kinds of trouble look alike in the browser's
 * estimate and are told apart here:
 * - a **full link** (a rate limit): round trips well above their usual, a queue; its loss comes in a
 *   burst when the queue overflows and stops once the sender slows down;
 * - **random loss** on a path with room (Wi-Fi, a poor radio): packets lost second after second
 *   whatever is sent, and round trips mostly at their usual (a busy machine adds a lone high one
 *   now and then: one round trip is no queue); the browser's estimate falls for the loss alone, and
 *   the picture's size need not;
 * - a **busy machine**: the browser holds the video back for want of CPU
 *   (`qualityLimitationReason` "cpu") and round trips rise with nothing lost (a starved page reads
 *   its reports late). Neither is the network's doing: those round trips are not remembered as the
 *   path's, and the estimate the spell left (the browser's estimate falls for the machine's delay
 *   too, and climbs back slowly) lowers nothing until a queue holds, packets are lost, or it
 *   affords the top again.
 *
 * Pure.
 *
 * @module
 */
import {
  levelFor,
  QUEUE_MS,
  queuedLately,
  queueing,
  type SendSample,
  videoBudget,
} from "./send_levels.ts";
import type { VideoSource } from "./send_levels.ts";

/** A reported loss above which the path is not clean enough to go up. */
export const LOSSY = 0.1;
/** A reported loss from which a second counts as losing most packets. */
export const SEVERE_LOSS = 0.4;
/** A reported loss at or below which a second counts as losing nothing. */
export const NO_LOSS = 0.02;
/** Seconds after the last one that lost packets during which the path counts as lossy. */
export const LOSS_MEMORY = 5;
/** Of the last {@linkcode LOSS_MEMORY} seconds, how many lost packets when the loss is steady. */
export const STEADY_LOSS_SECONDS = 3;
/**
 * Of the last ten seconds, how many lost packets in a long spell of loss: longer than a rate
 * limit's burst as its queue overflows (up to about three seconds), which is no random loss.
 */
export const LONG_LOSS_SECONDS = 6;
const LOSS_HISTORY = 10;
/** Of the last five round trips, how many above the usual when a queue holds. */
const HELD_RTTS = 3;
/** Seconds after a spell of loss ended during which the picture may go straight to the top. */
export const AFTER_LOSS_SECONDS = 3;
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
  /**
   * A busy spell or what it left: the machine was short of CPU, and since then no queue held, no
   * packet was lost and the estimate has not afforded the top.
   */
  settling: boolean;
  /** The last ten seconds' losses, newest last (true: lost packets). */
  losses: boolean[];
  /** Seconds since a spell of loss ended with no loss since (large: none lately). */
  afterSpell: number;
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
  /** A full link: a queue lately (one round trip well above the usual is enough), CPU enough. */
  queued: boolean;
  /** A queue that holds: most of the last round trips well above the usual. */
  queueHeld: boolean;
  /**
   * The machine is busy, or the estimate is still the one its busy spell left, and the path loses
   * nothing: lowering the picture is the browser's job.
   */
  busy: boolean;
  /**
   * Random loss without a queue: packets lost most seconds lately, round trips mostly at their
   * usual. The estimate fell for the loss, not for a full link.
   */
  lossOnly: boolean;
  /** Two seconds or more of loss, then one without: this second. */
  lossEnded: boolean;
  /**
   * A long spell of loss ended this second or a few seconds ago, with none since, and most round
   * trips at their usual (a lone high one does not count).
   */
  afterLoss: boolean;
}

/** Nothing seen yet. */
export function freshPath(): PathMemory {
  const long = Number.MAX_SAFE_INTEGER;
  const counts = { short: 0, lossy: 0, severe: 0, clear: 0 };
  const since = { sinceLoss: long, sinceCpu: long, afterSpell: long };
  return { rtts: [], estimate: null, ...counts, ...since, losses: [], settling: false };
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
  // ...nor remembered as the path's usual or its queue once the CPU is back.
  const rtts = sample.rttMs === null || cpuLately ? memory.rtts : [...memory.rtts, sample.rttMs];
  const queueHeld = !cpuLately && queueHolds(rtts);
  // The estimate a busy spell left is the machine's doing until the path shows its own trouble.
  const settling = !lost && (cpuLately || (memory.settling && !queueHeld && afford !== ladder.top));
  // A lone round trip well above the usual says nothing while the others are at it.
  const clean = !queueing(memory.rtts, sample.rttMs) && loss <= LOSSY;
  const lossy = !measured ? memory.lossy : lost ? memory.lossy + 1 : 0;
  const losses = measured ? [...memory.losses, lost].slice(-LOSS_HISTORY) : memory.losses;
  const lossEnded = memory.lossy >= 2 && lossy === 0;
  // A long spell of loss ended (not a full link's burst as its queue overflowed): the top may
  // follow.
  const long = memory.losses.filter(Boolean).length >= LONG_LOSS_SECONDS;
  const afterSpell = lost ? Number.MAX_SAFE_INTEGER : lossEnded && long ? 0 : memory.afterSpell + 1;
  const next: PathMemory = {
    rtts: rtts.slice(-RTT_MEMORY),
    estimate,
    short: settling ? 0 : !known ? memory.short : afford < 0 ? memory.short + 1 : 0,
    lossy,
    severe: !measured ? memory.severe : loss >= SEVERE_LOSS ? memory.severe + 1 : 0,
    clear: clean && !queueHeld ? memory.clear + 1 : 0,
    ...{ sinceLoss, sinceCpu, losses, afterSpell, settling },
  };
  const steady = losses.slice(-LOSS_MEMORY).filter(Boolean).length >= STEADY_LOSS_SECONDS;
  const reading: PathReading = {
    ...{ estimate, known, budget, afford, loss, clean, queued, queueHeld },
    busy: settling && !lossLately,
    lossOnly: steady && !queueHeld,
    lossEnded,
    afterLoss: afterSpell < AFTER_LOSS_SECONDS && !queueHeld && loss <= LOSSY,
  };
  return { memory: next, reading };
}

/** Whether most of the last five round trips are well above the lowest remembered. */
function queueHolds(rtts: readonly number[]): boolean {
  if (rtts.length < 3) return false;
  const usual = Math.min(...rtts);
  const high = rtts.slice(-5).filter((rtt) => rtt - usual > QUEUE_MS).length;
  return high >= HELD_RTTS;
}
