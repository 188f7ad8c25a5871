/**
 * What this side sends on the network it has: the voice always, the picture as large as the
 * bandwidth allows with room to spare for the voice, and no picture at all below a floor.
 *
 * A pure controller, fed one {@linkcode SendSample} a second with its time (the browser's
 * bandwidth estimate for what it sends, `availableOutgoingBitrate`; the share the other side
 * reports lost; the round trip): it picks a level of a ladder (`send_levels.ts`), for a camera
 * smaller pictures at the same frame rate, for a screen fewer frames at the same sharpness. It goes
 * down as soon as the estimate or the loss says so. Below the lowest level it pauses the picture
 * when the link is full (a queue in the round trips lately: at once when packets are lost too,
 * else after five such seconds), or when most packets are lost. An estimate that fell with loss
 * and no queue is the browser's answer to random loss on a path with room: there the smallest
 * picture goes on (a paused one sends too little for the estimate ever to grow), and a picture
 * paused on such a path comes back at the smallest level after a few seconds losing little, or
 * at once when the loss ends.
 * It goes up only on a clean path: no loss to speak of, no queue (round trips well above their
 * usual). Going back up needs evidence the browser
 * gives only when it tries more: a capped sender's estimate hardly grows past what it sends. So
 * every few seconds it probes: it raises the cap for a moment well above the estimate, and the
 * browser probes the path at that rate. An estimate that then affords the top takes it there at
 * once, from a fresh source; one that grew asks for another probe at once, asking more (the
 * browser probes to about twice its estimate, so it climbs by steps); none backs the next one off
 * (2, then 4 s); the end of a spell of loss probes at once. In between, the estimate alone takes it
 * up a level only with a margin, on a clean path, and not just after going down. "Data saver" keeps it at or
 * below a small level.
 *
 * A paused picture is not stopped: it goes on as a thumbnail at one frame a second, a few kbit/s,
 * so the path can still be probed without a keyframe's burst, and the picture is back a moment
 * after a probe finds room. The pages say it is paused and do not show it.
 *
 * Its effect is {@linkcode limitsOf}: what the page applies to the senders (`send_controls.ts`).
 * Time is the samples' own, so tests run it on made-up seconds.
 *
 * @module
 */
import type { SendLimits } from "../../machines/peer_types.ts";
import {
  ladder,
  levelFor,
  PAUSED,
  queuedLately,
  queueing,
  SAVER_LEVEL,
  type SendSample,
  topLevel,
  videoBudget,
  type VideoSource,
} from "./send_levels.ts";

/** A reported loss from which the picture is paused at once. */
export const SEVERE_LOSS = 0.4;
/** A reported loss above which it does not go up. */
export const LOSSY = 0.1;
/** A probe raises the cap to this many times the estimate, within these bounds (bit/s). */
export const PROBE_FACTOR = 4;
export const PROBE_MIN_BITRATE = 450_000;
export const PROBE_MAX_BITRATE = 2_500_000;
/** A probe whose estimate grew this many times over found room: the next one goes at once. */
const FOUND = 1.25;
/** How long a probe waits for the estimate to grow, ms. */
export const PROBE_MS = 1500;
/** Probe waits, ms: after a probe that found room, after going down, and the longest. */
export const PROBE_SOON_MS = 1000;
export const PROBE_FIRST_MS = 2000;
export const PROBE_MAX_MS = 4000;
/** How many round trips are remembered for the usual one. */
const RTT_MEMORY = 30;
/** A pause within this many samples of going up means it went up too soon. */
const CALM_SAMPLES = 10;
/** Seconds in a row too poor for the lowest level that pause it on a path that loses nothing. */
const SHORT_SAMPLES = 5;
/** A reported loss that, with too poor an estimate and a queue, pauses it at once. */
const PAUSE_LOSS = 0.05;
/** A reported loss at or below which a second counts as losing nothing. */
const NO_LOSS = 0.02;
/** Seconds losing little, with no queue lately, that bring a paused picture back. */
export const RESUME_SAMPLES = 3;
/**
 * Samples at the start of a call during which a lowered picture is not called the network's
 * fault: the browser's estimate starts low and climbs for its first seconds on any link.
 */
export const RAMP_SAMPLES = 10;
/** Samples after a change before the estimate alone may take it up. */
const HOLD_SAMPLES = 3;
/** The estimate alone takes it up only when it affords that level this many times over... */
const UP_MARGIN = 1.25;
/** ...and a paused picture back only with this margin. */
const RESUME_MARGIN = 1.5;

/** Where the adaptation stands. */
export interface Adaptation {
  /**
   * `off`: no picture to send; `steady`: sending at `level`; `probing`: its cap raised for a
   * moment; `paused` and `pausedProbing` likewise for the thumbnail.
   */
  mode: "off" | "steady" | "probing" | "paused" | "pausedProbing";
  source: VideoSource;
  saver: boolean;
  /** The level sent now (0: the top of the ladder). */
  level: number;
  /** Which way it went last: "up" while climbing back. */
  trend: "down" | "up" | null;
  /** Recent round trips, for the usual one. */
  rtts: number[];
  /** Bumped when the picture should start from a fresh source. */
  fresh: number;
  /** Samples since the level last changed. */
  calm: number;
  /** From `since` to the next probe, ms; and the paused picture's next wait. */
  probeWait: number;
  pausedWait: number;
  /** When the current mode or level began (sample time, ms); null: at the next sample. */
  since: number | null;
  /** Seconds in a row whose estimate was too little for the lowest level. */
  short: number;
  /** Seconds in a row that lost packets; and that lost little with no queue lately. */
  lossy: number;
  clear: number;
  /** Samples seen since the picture started (the browser's estimate ramps up at first). */
  age: number;
  /** The last estimate, bit/s, and the one when the current probe began. */
  estimate: number | null;
  probeBase: number | null;
}

/** What the adaptation is told. */
export type AdaptationInput =
  | { type: "sample"; at: number; sample: SendSample }
  | { type: "source"; source: VideoSource }
  | { type: "saver"; on: boolean };

/**
 * What this side's picture is doing, as the pages say it (and as it is told to the other side):
 * sent in full, lowered (by the network, or by data saver), paused, or off; and whether it is
 * climbing back after the network was poor.
 */
export interface SendingState {
  video: "full" | "lowered" | "paused" | "off";
  reason: "network" | "saver" | null;
  recovering: boolean;
}

/** A fresh adaptation for `source`. */
export function initialAdaptation(source: VideoSource, saver = false): Adaptation {
  return {
    mode: source === "none" ? "off" : "steady",
    ...{ source, saver, level: topLevel(saver), trend: null, rtts: [], fresh: 0 },
    ...{ calm: CALM_SAMPLES, probeWait: PROBE_FIRST_MS, pausedWait: PROBE_FIRST_MS, since: null },
    estimate: null,
    probeBase: null,
    short: 0,
    lossy: 0,
    clear: 0,
    age: 0,
  };
}

/** The adaptation after `input`. */
export function adapt(state: Adaptation, input: AdaptationInput): Adaptation {
  switch (input.type) {
    case "source":
      return {
        ...state,
        source: input.source,
        mode: input.source === "none" ? "off" : "steady",
        level: topLevel(state.saver),
        trend: null,
        since: null,
      };
    case "saver": {
      const level = input.on ? Math.max(SAVER_LEVEL, state.level) : state.level;
      const mode = state.mode === "off" ? "off" : "steady";
      return { ...state, saver: input.on, level, mode, since: null };
    }
    case "sample":
      return state.mode === "off" ? state : next(state, input.at, input.sample);
  }
}

/** One more second. */
function next(state: Adaptation, at: number, sample: SendSample): Adaptation {
  const since = state.since ?? at;
  const waited = at - since;
  // A second without an estimate (the stats can lack one for a moment) goes on the last one,
  // and never takes it down.
  const known = sample.estimate !== null;
  const estimate = sample.estimate ?? state.estimate;
  const budget = videoBudget(estimate);
  const top = topLevel(state.saver);
  const afford = levelFor(state.source, budget, top);
  const loss = sample.loss ?? 0;
  const clean = !queueing(state.rtts, sample.rttMs) && loss <= LOSSY;
  // A queue now or lately says the link is full; without one, an estimate that falls is the
  // browser's answer to loss alone.
  const queued = queuedLately(state.rtts, sample.rttMs);
  const lowest = ladder(state.source).length - 1;
  const probing = state.mode === "probing" || state.mode === "pausedProbing";
  const paused = state.mode === "paused" || state.mode === "pausedProbing";

  const rtts = sample.rttMs === null ? state.rtts : [...state.rtts, sample.rttMs];
  const calm = state.calm + 1;
  // Long enough without a change: a later pause's probes start soon again.
  const pausedWait = calm >= CALM_SAMPLES ? PROBE_FIRST_MS : state.pausedWait;
  const short = !known ? state.short : afford < 0 ? state.short + 1 : 0;
  const lossy = sample.loss === null ? state.lossy : loss > NO_LOSS ? state.lossy + 1 : 0;
  const clear = clean && !queued ? state.clear + 1 : 0;
  // Two seconds or more of loss, then one without.
  const lossEnded = state.lossy >= 2 && lossy === 0;
  const kept = {
    ...state,
    ...{ rtts: rtts.slice(-RTT_MEMORY), calm, pausedWait, since, estimate, short, lossy, clear },
    age: state.age + 1,
  };

  const up = (level: number): Adaptation => {
    // At the top the browser must send the full picture at once, not climb to it step by step.
    const fresh = level === top ? state.fresh + 1 : state.fresh;
    const probeWait = PROBE_SOON_MS;
    return { ...kept, mode: "steady", level, trend: "up", fresh, calm: 0, probeWait, since: at };
  };
  /** A probe that found nothing: back to sending (or to the thumbnail), the next one later. */
  const backOff = (): Adaptation => {
    const wait = Math.min(PROBE_MAX_MS, state.probeWait * 2);
    return paused
      ? { ...kept, mode: "paused", probeWait: wait, pausedWait: wait, since: at }
      : { ...kept, mode: "steady", probeWait: wait, since: at };
  };
  const probe = (): Adaptation => ({
    ...kept,
    mode: paused ? "pausedProbing" : "probing",
    probeBase: estimate,
    since: at,
  });

  if (!paused) {
    // Too little for the lowest level on a full link (a queue lately): at once when the path also
    // loses packets, else once it has lasted (a busy machine's estimate dips too, for a moment).
    // Without a queue the estimate fell for the loss alone: the smallest picture goes on.
    const troubled = loss > PAUSE_LOSS || short >= SHORT_SAMPLES;
    const pause = loss >= SEVERE_LOSS || (short > 0 && queued && troubled);
    if (pause) {
      // Paused again right after going up: it went up too soon, so the next probes wait longer.
      const again = state.calm < CALM_SAMPLES ? pausedWait * 2 : pausedWait;
      const wait = Math.min(PROBE_MAX_MS, Math.max(PROBE_FIRST_MS, again));
      return {
        ...kept,
        ...{ mode: "paused", trend: "down", calm: 0, probeWait: wait, pausedWait: wait },
        since: at,
      };
    }
    // Lower, as far as the estimate says (to the lowest level while it waits to pause).
    const down = afford < 0 ? lowest : afford;
    if (known && down > state.level) {
      return {
        ...kept,
        ...{ mode: "steady", level: down, trend: "down", calm: 0, probeWait: PROBE_FIRST_MS },
        since: at,
      };
    }
  }
  // Paused with no queue lately: back at the smallest picture once the loss has ended or has been
  // low a few seconds, whatever the estimate (a thumbnail's few kbit/s never make it grow).
  if (paused && !queued && clean && (lossEnded || clear >= RESUME_SAMPLES)) return up(lowest);
  // The end of a spell of loss: a probe at once, to climb back while the path is clean.
  if (!probing && !paused && state.level > top && clean && lossEnded) return probe();
  if (probing) {
    // The probe's answer: the top if the estimate affords it; more found than before, another
    // probe at once, asking more (the browser probes to about twice its estimate, so the
    // estimate climbs by steps); nothing, the next one later.
    if (clean && afford === top) return up(top);
    const found = estimate !== null && estimate >= FOUND * (state.probeBase ?? Infinity);
    if (clean && found) return probe();
    if (waited >= PROBE_MS) return backOff();
    return kept;
  }
  // Without a probe, the estimate alone takes it up: with a margin, once it has held a moment.
  const margin = paused ? RESUME_MARGIN : UP_MARGIN;
  const affordUp = levelFor(state.source, budget / margin, top);
  const higher = paused ? affordUp >= 0 : affordUp >= 0 && affordUp < state.level;
  if (clean && higher && (paused || state.calm >= HOLD_SAMPLES)) return up(affordUp);
  if ((paused || state.level > top) && waited >= state.probeWait) return probe();
  return kept;
}

/** What the senders may use now; null: no picture to limit. */
export function limitsOf(state: Adaptation): SendLimits | null {
  const { fresh } = state;
  // A probe asks the browser to try well above the estimate (it then sends short bursts at that
  // rate and the next): each probe that finds room lets the next ask more.
  const probe = Math.min(
    PROBE_MAX_BITRATE,
    Math.max(PROBE_MIN_BITRATE, PROBE_FACTOR * (state.estimate ?? 0)),
  );
  switch (state.mode) {
    case "off":
      return null;
    case "paused":
      return { ...PAUSED, fresh };
    case "pausedProbing":
      return { ...PAUSED, fresh, maxBitrate: probe };
  }
  const { need: _, ...limits } = ladder(state.source)[state.level];
  return state.mode === "probing" ? { ...limits, fresh, maxBitrate: probe } : { ...limits, fresh };
}

/** What the pages say about this side's picture. */
export function sendingState(state: Adaptation): SendingState {
  if (state.mode === "off") return { video: "off", reason: null, recovering: false };
  if (state.mode === "paused" || state.mode === "pausedProbing") {
    return { video: "paused", reason: "network", recovering: false };
  }
  // In the call's first seconds the estimate is still climbing on any link: a picture lowered
  // then is not yet said to be the network's doing (a pause is, at once).
  if (state.level > topLevel(state.saver) && state.age >= RAMP_SAMPLES) {
    return { video: "lowered", reason: "network", recovering: state.trend === "up" };
  }
  return state.saver
    ? { video: "lowered", reason: "saver", recovering: false }
    : { video: "full", reason: null, recovering: false };
}
