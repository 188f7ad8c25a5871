/**
 * What a person receives in a call, read from the receiving page's `getStats()` every
 * {@linkcode SAMPLE_MS}: the audio played and how much of it was concealed (made up by the jitter
 * buffer for packets that did not come), the video decoded, its freezes as the browser counts them
 * (`freezeCount`, `totalFreezesDuration`), its resolution and frame rate; and, for Parley's pages,
 * whether the page says the video is paused (its pills). The page keeps the samples; the benchmark
 * reads them and {@linkcode summarizeWindow} and {@linkcode fullQualityAfter} turn them into the
 * figures of one condition.
 *
 * @module
 */

/** How often the page reads its stats. */
export const SAMPLE_MS = 100;

/** One reading: epoch ms and the receiving stats' running totals at that moment. */
export interface Reading {
  at: number;
  concealed: number;
  samples: number;
  frames: number;
  freezes: number;
  freezeSeconds: number;
  width: number;
  height: number;
  /** This page says its own video is paused / says the other person's is. */
  minePaused: boolean;
  theirsPaused: boolean;
  /**
   * What this page sends (for looking into a run): the estimate, bytes, the video's size, its round
   * trip (ms) and the share of it the other side reports lost.
   */
  out: {
    estimate: number;
    rttMs: number;
    lost: number;
    audioBytes: number;
    videoBytes: number;
    height: number;
    limit: string;
  };
}

/** Selectors of the page's "your video is paused" and "their video is paused" words. */
export interface PauseWords {
  mine: string | null;
  theirs: string | null;
}

/**
 * Runs in the page (serialized by puppeteer: nothing from outside its body): reads the newest
 * peer connection's inbound stats every `every` ms into `globalThis.__readings`. The peer
 * connections are those `tests/helpers/peer_watch.ts` lists.
 */
export function startReadings(every: number, words: PauseWords): void {
  const g = globalThis as unknown as {
    __readings: Reading[];
    parleyPeerConnections: RTCPeerConnection[];
  };
  g.__readings = [];
  const shown = (selector: string | null) => {
    if (!selector) return false;
    const element = document.querySelector(selector) as HTMLElement | null;
    return element !== null && element.offsetParent !== null;
  };
  let busy = false;
  setInterval(async () => {
    const pc = g.parleyPeerConnections.at(-1);
    if (!pc || busy) return;
    busy = true;
    try {
      const reading: Reading = {
        at: performance.timeOrigin + performance.now(),
        ...{ concealed: 0, samples: 0, frames: 0, freezes: 0, freezeSeconds: 0 },
        ...{
          width: 0,
          height: 0,
          minePaused: shown(words.mine),
          theirsPaused: shown(words.theirs),
        },
        out: { estimate: 0, rttMs: 0, lost: 0, audioBytes: 0, videoBytes: 0, height: 0, limit: "" },
      };
      for (const report of (await pc.getStats()).values()) {
        if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
          reading.out.estimate = report.availableOutgoingBitrate ?? 0;
        }
        if (report.type === "remote-inbound-rtp" && report.kind === "video") {
          reading.out.rttMs = 1000 * (report.roundTripTime ?? 0);
          reading.out.lost = report.fractionLost ?? 0;
        }
        if (report.type === "outbound-rtp") {
          if (report.kind === "audio") reading.out.audioBytes += report.bytesSent ?? 0;
          else {
            reading.out.videoBytes += report.bytesSent ?? 0;
            reading.out.height = Math.max(reading.out.height, report.frameHeight ?? 0);
            reading.out.limit = report.qualityLimitationReason ?? "";
          }
        }
        if (report.type !== "inbound-rtp") continue;
        if (report.kind === "audio") {
          reading.concealed += report.concealedSamples ?? 0;
          reading.samples += report.totalSamplesReceived ?? 0;
        } else if (report.kind === "video") {
          reading.frames += report.framesDecoded ?? 0;
          reading.freezes += report.freezeCount ?? 0;
          reading.freezeSeconds += report.totalFreezesDuration ?? 0;
          reading.width = Math.max(reading.width, report.frameWidth ?? 0);
          reading.height = Math.max(reading.height, report.frameHeight ?? 0);
        }
      }
      g.__readings.push(reading);
    } finally {
      busy = false;
    }
  }, every);
}

/** What one receiver got during one window. */
export interface WindowFigures {
  /** Concealed samples as a share of the samples played, 0..1. */
  concealed: number;
  /** Longest stretch in which at least {@linkcode GAP_SHARE} of what was played was concealed. */
  longestAudioGapMs: number;
  /** Freezes the browser counted, and their total time. */
  freezes: number;
  freezeMs: number;
  /** The longest freeze not covered by a pause the page said (Parley), ms. */
  longestUnsaidFreezeMs: number;
  /** Frames decoded per second over the window. */
  fps: number;
  /** The median height of the video received (0: none), over the readings. */
  height: number;
}

/** A reading interval counts as silence made up when this share of it was concealed. */
export const GAP_SHARE = 0.8;

/** The figures of `readings` between `from` and `to` (epoch ms). */
export function summarizeWindow(readings: Reading[], from: number, to: number): WindowFigures {
  const inside = readings.filter((r) => r.at >= from && r.at <= to);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || last === first) {
    const none = { concealed: NaN, longestAudioGapMs: NaN, freezes: NaN, freezeMs: NaN };
    return { ...none, longestUnsaidFreezeMs: NaN, fps: NaN, height: NaN };
  }
  let gap = 0;
  let longestGap = 0;
  let longestFreeze = 0;
  for (let i = 1; i < inside.length; i++) {
    const [a, b] = [inside[i - 1], inside[i]];
    const played = b.samples - a.samples;
    const madeUp = b.concealed - a.concealed;
    // No samples played at all is silence too (the receiver stopped playing).
    gap = played <= 0 || madeUp >= GAP_SHARE * played ? gap + (b.at - a.at) : 0;
    longestGap = Math.max(longestGap, gap);
    const ended = b.freezes - a.freezes;
    if (ended > 0) {
      const ms = (1000 * (b.freezeSeconds - a.freezeSeconds)) / ended;
      if (!saidDuring(inside, b.at - ms, b.at)) longestFreeze = Math.max(longestFreeze, ms);
    }
  }
  const heights = inside.map((r) => r.height).sort((x, y) => x - y);
  const samples = last.samples - first.samples;
  return {
    concealed: samples > 0 ? (last.concealed - first.concealed) / samples : 1,
    longestAudioGapMs: Math.round(longestGap),
    freezes: last.freezes - first.freezes,
    freezeMs: Math.round(1000 * (last.freezeSeconds - first.freezeSeconds)),
    longestUnsaidFreezeMs: Math.round(longestFreeze),
    fps: Math.round((10 * 1000 * (last.frames - first.frames)) / (last.at - first.at)) / 10,
    height: heights[Math.floor(heights.length / 2)],
  };
}

/** Whether the page said their video was paused for at least half of [from, to]. */
function saidDuring(readings: Reading[], from: number, to: number): boolean {
  let said = 0;
  for (let i = 1; i < readings.length; i++) {
    const [a, b] = [readings[i - 1], readings[i]];
    const overlap = Math.min(b.at, to) - Math.max(a.at, from);
    if (overlap > 0 && (a.theirsPaused || b.theirsPaused)) said += overlap;
  }
  return said >= (to - from) / 2;
}

/**
 * How long after `since` (epoch ms) the video is at full quality again: at least `height` high
 * and at least `fps` frames a second, held for a second. Null: not within the readings.
 */
export function fullQualityAfter(
  readings: Reading[],
  since: number,
  full: { height: number; fps: number },
): number | null {
  const after = readings.filter((r) => r.at >= since);
  for (let i = 0; i < after.length; i++) {
    const end = after.findIndex((r) => r.at >= after[i].at + 1000);
    if (end < 0) return null;
    const span = after.slice(i, end + 1);
    const fps = (1000 * (after[end].frames - after[i].frames)) / (after[end].at - after[i].at);
    if (fps >= full.fps && span.every((r) => r.height >= full.height)) {
      return Math.round(after[i].at - since);
    }
  }
  return null;
}

/** When, after `since`, the page first said the video was paused (`mine` or `theirs`). */
export function saidPausedAfter(
  readings: Reading[],
  since: number,
  whose: "minePaused" | "theirsPaused",
): number | null {
  const said = readings.find((r) => r.at >= since && r[whose]);
  return said ? Math.round(said.at - since) : null;
}
