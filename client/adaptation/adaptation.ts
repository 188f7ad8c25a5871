/**
 * What this side sends on the network it has: the voice always, the picture as large as the
 * bandwidth allows with room to spare for the voice, and no picture at all below a floor.
 *
 * A pure controller, fed one {@linkcode SendSample} a second with its time (the browser's
 * bandwidth estimate for what it sends, `availableOutgoingBitrate`; the share the other side
 * reports lost; the round trip; whether the browser lacks CPU for the video): it picks a level of
 * a ladder (`send_levels.ts`), for a camera smaller pictures at the same frame rate, for a screen
 * fewer frames at the same sharpness. What the seconds say about the path (`path_reading.ts`)
 * decides how it answers:
 * - **A full link** (a queue in the round trips lately): down as soon as the estimate says so;
 *   below the lowest level paused, at once when packets are lost too, else after five such seconds.
 * - **Random loss with no queue**: loss is not congestion. The picture keeps its size (the browser's
 *   encoder sends it at the rate its fallen estimate allows: the bitrate alone goes down), and
 *   pauses only when most packets are lost for two seconds (at once when the estimate affords no
 *   picture at all). When the loss ends, straight back to the top, without waiting for the
 *   estimate to climb (a queue or loss coming back takes it down again); a picture paused there
 *   that goes on losing a little comes back at the smallest level after a few seconds.
 * - **A busy machine** (the browser holds the video back for want of CPU, and nothing is lost):
 *   round trips risen then are the machine's delay, not a queue. Parley neither lowers nor pauses
 *   the picture for it and says nothing; the browser lowers the size itself.
 * It goes up only on a clean path: no loss to speak of, no queue. Going back up after a full link
 * needs evidence the browser
 * gives only when it tries more: a capped sender's estimate hardly grows past what it sends. So
 * every few seconds it probes: it raises the cap for a moment well above the estimate, and the
 * browser probes the path at that rate. An estimate that then affords the top takes it there at
 * once, from a fresh source; one that grew asks for another probe at once, asking more (the
 * browser probes to about twice its estimate, so it climbs by steps); none backs the next one off
 * (2, then 4 s); the end of a spell of loss probes at once. In between, the estimate alone takes it
 * up a level only with a margin, on a clean path, and not just after going down. "Data saver"
 * keeps it at or below a small level.
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
import { freshPath, type PathMemory, type PathReading, readPath } from "./path_reading.ts";
import {
  ladder,
  levelFor,
  PAUSED,
  SAVER_LEVEL,
  type SendSample,
  topLevel,
  type VideoSource,
} from "./send_levels.ts";

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
/** A pause within this many samples of going up means it went up too soon. */
const CALM_SAMPLES = 10;
/** Seconds in a row too poor for the lowest level that pause it on a path that loses nothing. */
const SHORT_SAMPLES = 5;
/** Seconds in a row losing most packets that pause it when the estimate affords a picture. */
export const SEVERE_SAMPLES = 2;
/** A reported loss that, with too poor an estimate and a queue, pauses it at once. */
const PAUSE_LOSS = 0.05;
/** Back at the top after loss, the estimate must fall below this share of its value then. */
const HOLD_FALL = 0.5;
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
  /** What the seconds so far say about the path. */
  path: PathMemory;
  /** Bumped when the picture should start from a fresh source. */
  fresh: number;
  /** Samples since the level last changed. */
  calm: number;
  /** From `since` to the next probe, ms; and the paused picture's next wait. */
  probeWait: number;
  pausedWait: number;
  /** When the current mode or level began (sample time, ms); null: at the next sample. */
  since: number | null;
  /** Samples seen since the picture started (the browser's estimate ramps up at first). */
  age: number;
  /** The estimate when the current probe began. */
  probeBase: number | null;
  /**
   * Back at the top after random loss without the estimate's say-so: only an estimate fallen
   * below this (bit/s), or a queue, takes it down again. Null: the estimate decides.
   */
  holdAbove: number | null;
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
    ...{ source, saver, level: topLevel(saver), trend: null, path: freshPath(), fresh: 0 },
    ...{ calm: CALM_SAMPLES, probeWait: PROBE_FIRST_MS, pausedWait: PROBE_FIRST_MS, since: null },
    probeBase: null,
    holdAbove: null,
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

/** One second as the rules below see it: the state carried on, and the moves they can make. */
interface Second {
  state: Adaptation;
  at: number;
  r: PathReading;
  kept: Adaptation;
  top: number;
  paused: boolean;
  probing: boolean;
}

/** One more second. */
function next(state: Adaptation, at: number, sample: SendSample): Adaptation {
  const since = state.since ?? at;
  const top = topLevel(state.saver);
  const { memory, reading: r } = readPath(state.path, sample, { source: state.source, top });
  const calm = state.calm + 1;
  // Long enough without a change: a later pause's probes start soon again.
  const pausedWait = calm >= CALM_SAMPLES ? PROBE_FIRST_MS : state.pausedWait;
  // Held at the top after loss until the estimate affords it again: then the estimate decides.
  const holdAbove = r.afford === top ? null : state.holdAbove;
  const kept = { ...state, path: memory, calm, pausedWait, since, age: state.age + 1, holdAbove };
  const paused = state.mode === "paused" || state.mode === "pausedProbing";
  const probing = state.mode === "probing" || state.mode === "pausedProbing";
  const s: Second = { state, at, r, kept, top, paused, probing };
  return (paused ? null : pauseOrLower(s)) ?? climb(s);
}

/**
 * Down: paused below the lowest level on a full link (a queue lately: at once when packets are
 * lost too, else once it has lasted), or when most packets are lost (at once when the estimate
 * affords no picture, else once it has lasted: a rate limit's queue overflowing loses half for a
 * second); else lowered as far as the estimate says. Not for steady random loss without a queue
 * (the picture keeps its size, the browser sends it at the rate its estimate allows), not on a
 * busy machine that loses nothing (the browser lowers the picture itself; nothing is said), and,
 * back at the top after loss, not for the estimate the loss left unless it falls further or a
 * queue holds. Null: neither.
 */
function pauseOrLower({ state, at, r, kept }: Second): Adaptation | null {
  const { short, severe } = kept.path;
  const troubled = r.loss > PAUSE_LOSS || short >= SHORT_SAMPLES;
  const pause = severe >= SEVERE_SAMPLES || (severe > 0 && short > 0) ||
    (short > 0 && r.queued && !r.lossOnly && troubled);
  if (pause) {
    // Paused again right after going up: it went up too soon, so the next probes wait longer.
    const again = state.calm < CALM_SAMPLES ? kept.pausedWait * 2 : kept.pausedWait;
    const wait = Math.min(PROBE_MAX_MS, Math.max(PROBE_FIRST_MS, again));
    return {
      ...kept,
      ...{ mode: "paused", trend: "down", calm: 0, probeWait: wait, pausedWait: wait },
      ...{ since: at, holdAbove: null },
    };
  }
  if (r.busy || r.lossOnly) return null;
  // Back at the top after loss: the estimate, stuck where the loss left it, no reason to go down.
  const held = kept.holdAbove !== null && (r.estimate ?? 0) >= kept.holdAbove;
  if (held && !r.queueHeld) return null;
  // To the lowest level while it waits to pause.
  const down = r.afford < 0 ? ladder(state.source).length - 1 : r.afford;
  if (!r.known || down <= state.level) return null;
  return {
    ...kept,
    ...{ mode: "steady", level: down, trend: "down", calm: 0, probeWait: PROBE_FIRST_MS },
    ...{ since: at, holdAbove: null },
  };
}

/**
 * Up: straight to the top when steady loss has just ended on a path with no queue holding (loss
 * is not a full link: what was lowered or paused for it needs no estimate to come back; a queue,
 * or an estimate falling further, takes it down again); a picture paused on a path with no queue
 * lately back at the smallest after a few seconds losing little; else by probes, or by the
 * estimate alone with a margin.
 */
function climb(s: Second): Adaptation {
  const { state, r, kept, top, paused, probing } = s;
  const waited = s.at - kept.since!;
  const lowered = paused || state.level > top;
  if (r.afterLoss) {
    // Lowered or paused for it: the top at once. At the top already: kept there.
    const holdAbove = (r.estimate ?? 0) * HOLD_FALL;
    if (lowered) return { ...up(s, top), holdAbove };
    if (state.holdAbove === null) return { ...kept, holdAbove };
  }
  if (paused && !r.queued && r.clean && kept.path.clear >= RESUME_SAMPLES) {
    return up(s, ladder(state.source).length - 1);
  }
  // The end of a spell of loss on a link with a queue lately: a probe at once.
  if (!probing && lowered && r.clean && r.lossEnded) return probe(s);
  if (probing) {
    // The probe's answer: the top if the estimate affords it; more found than before, another
    // probe at once, asking more (the browser probes to about twice its estimate, so the
    // estimate climbs by steps); nothing, the next one later.
    if (r.clean && r.afford === top) return up(s, top);
    const found = r.estimate !== null && r.estimate >= FOUND * (state.probeBase ?? Infinity);
    if (r.clean && found) return probe(s);
    if (waited >= PROBE_MS) return backOff(s);
    return kept;
  }
  // Without a probe, the estimate alone takes it up: with a margin, once it has held a moment.
  const margin = paused ? RESUME_MARGIN : UP_MARGIN;
  const affordUp = levelFor(state.source, r.budget / margin, top);
  const higher = paused ? affordUp >= 0 : affordUp >= 0 && affordUp < state.level;
  if (r.clean && higher && (paused || state.calm >= HOLD_SAMPLES)) return up(s, affordUp);
  if (lowered && waited >= state.probeWait) return probe(s);
  return kept;
}

function up({ state, at, kept, top }: Second, level: number): Adaptation {
  // At the top the browser must send the full picture at once, not climb to it step by step.
  const fresh = level === top ? state.fresh + 1 : state.fresh;
  const probeWait = PROBE_SOON_MS;
  return { ...kept, mode: "steady", level, trend: "up", fresh, calm: 0, probeWait, since: at };
}

/** A probe that found nothing: back to sending (or to the thumbnail), the next one later. */
function backOff({ state, at, kept, paused }: Second): Adaptation {
  const wait = Math.min(PROBE_MAX_MS, state.probeWait * 2);
  return paused
    ? { ...kept, mode: "paused", probeWait: wait, pausedWait: wait, since: at }
    : { ...kept, mode: "steady", probeWait: wait, since: at };
}

function probe({ at, r, kept, paused }: Second): Adaptation {
  const mode = paused ? "pausedProbing" : "probing";
  return { ...kept, mode, probeBase: r.estimate, since: at };
}

/** What the senders may use now; null: no picture to limit. */
export function limitsOf(state: Adaptation): SendLimits | null {
  const { fresh } = state;
  // A probe asks the browser to try well above the estimate (it then sends short bursts at that
  // rate and the next): each probe that finds room lets the next ask more.
  const probe = Math.min(
    PROBE_MAX_BITRATE,
    Math.max(PROBE_MIN_BITRATE, PROBE_FACTOR * (state.path.estimate ?? 0)),
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
