/**
 * The targets the issues set, as one table, and the one place that judges them.
 *
 * Each target reads a figure of the run by key (see `figuresOf` in results.ts; the key's ending
 * gives its unit: `Ms`, `KB`, `perSecond`, else a count), optionally divided by a baseline figure
 * measured in the same run, and compares it with a bound.
 *
 * @module
 */

/** One target: [issue, what it asks, figure key, baseline key or "", comparison, bound]. */
export type TargetSpec = [
  issue: number,
  name: string,
  key: string,
  over: string,
  is: "≤" | "≥",
  bound: number,
];

/** Every target, in the order the README shows them. */
// deno-fmt-ignore
export const TARGETS: TargetSpec[] = [
  [12, "Join → video on both sides, p50, ≤ 1.5× the in-page floor", "calls.parley.p50Ms", "calls.floor.p50Ms", "≤", 1.5],
  [12, "Join → video on both sides, p95, ≤ 2× the in-page floor", "calls.parley.p95Ms", "calls.floor.p95Ms", "≤", 2],
  [12, "Join → video, p50, ≤ 1.5× the floor beside two camera previews (the browser's own load)", "calls.parley.p50Ms", "calls.floor beside previews.p50Ms", "≤", 1.5],
  [12, "Join → video, p95, ≤ 2× the floor beside two camera previews", "calls.parley.p95Ms", "calls.floor beside previews.p95Ms", "≤", 2],
  [12, "Every browser call connects (failures)", "calls.parley.failed", "", "≤", 0],
  [12, "Network cut 5 s and back → video on both sides, p50 ≤ 1 s", "cuts.parley.p50Ms", "", "≤", 1000],
  [12, "Every cut call gets its video back (cuts lost)", "cuts.parley.lost", "", "≤", 0],
  [12, "Server restarted: every client gets back in (left out)", "rejoin.missing", "", "≤", 0],
  [12, "Server back → both of a room rejoined, p50 ≤ 1 s", "rejoin.bothP50Ms", "", "≤", 1000],
  [12, "A first visit transfers ≤ 40 KB", "page.parley.firstKB", "", "≤", 40],
  [12, "A returning visit fetches no script (script requests)", "page.parley.returningScripts", "", "≤", 0],
  [12, "No three-step waterfall (longest request chain ≤ 2)", "page.parley.chain", "", "≤", 2],
  [4, "Zero lost, zero misdelivered signals (Parley, all runs)", "signaling.parley.lostOrMisdelivered", "", "≤", 0],
  [4, "At 1,000 rooms, Parley ≥ 3× the tutorial design", "signaling.1000.parley.perSecond", "signaling.1000.tutorial.perSecond", "≥", 3],
  [4, "At 1,000 rooms, Parley within 2× of the bare relay (≥ 0.5×)", "signaling.1000.parley.perSecond", "signaling.1000.bare.perSecond", "≥", 0.5],
  [4, "10,000 idle connections held", "capacity.held", "", "≥", 10_000],
  [4, "None of them dropped", "capacity.dropped", "", "≤", 0],
  [13, "On Redis (one and two instances): zero lost, zero misdelivered", "redis.lostOrMisdelivered", "", "≤", 0],
  [22, "15% loss each way: audio concealed ≤ half the floor's", "conditions.loss15.parley.concealedPercent", "conditions.loss15.floor.concealedPercent", "≤", 0.5],
  [22, "Uplink 300 kbit/s: no audio gap over 300 ms", "conditions.cap300.parley.longestAudioGapMs", "", "≤", 300],
  [22, "Uplink 300 kbit/s: no video frozen over 1 s unless said paused", "conditions.cap300.parley.longestUnsaidFreezeMs", "", "≤", 1000],
  [22, "Uplink 100 kbit/s: the voice stays (concealed under 5%)", "conditions.cap100.parley.concealedPercent", "", "≤", 4.99],
  [22, "Uplink 100 kbit/s: the video pause said on both sides within 3 s", "conditions.cap100.parley.pauseSaidMs", "", "≤", 3000],
  [22, "After each condition, full quality within 5 s (the slowest condition)", "conditions.parley.slowestFullAfterMs", "", "≤", 5000],
  [24, "Honest relay p95 during 10/s requests of 2,000 headers, ≤ 2× without them", "attacks.2,000 empty headers.p95Ms", "attacks.2,000 empty headers.quietP95Ms", "≤", 2],
  [23, "Noise suppression: noise-only stretches ≥ 15 dB quieter than with it off", "effects.noise.quieterDb", "", "≥", 15],
  [23, "Noise suppression: speech within 3 dB of its level with it off", "effects.noise.speechChangeDb", "", "≤", 3],
  [23, "Blur on keeps at least half the frames sent per second (on ÷ off within each pair)", "effects.blur.framesRatio", "", "≥", 0.5],
  [23, "A first visit, with both effects in the build, transfers ≤ 40 KB", "effects.firstVisitKB", "", "≤", 40],
  [21, "The fourth person's Join → video from all three others, p50, ≤ 2× the second's in a call of two", "group.fourth.p50Ms", "group.floor.p50Ms", "≤", 2],
  [21, "Every fourth person sees all three others (failures)", "group.failed", "", "≤", 0],
  [21, "A call of four: video upload per person ≤ 2.5 Mbit/s (the most of any person in any run)", "group.video.maxMbps", "", "≤", 2.5],
];

const UNITS = [["Ms", "ms"], ["KB", "KB"], ["perSecond", "/s"], ["Percent", "%"], ["Db", "dB"], [
  "Mbps",
  "Mbit/s",
]];

/** A target judged against a run's figures; `met` is null when the run did not measure it. */
export interface Verdict {
  issue: number;
  name: string;
  value: number | null;
  baseline: number | null;
  /** value ÷ baseline, for targets set against a baseline. */
  ratio: number | null;
  unit: string;
  met: boolean | null;
}

/** Judges every target against `figures`. */
export function judgeAll(figures: Record<string, number | null>): Verdict[] {
  return TARGETS.map(([issue, name, key, over, is, bound]) => {
    const value = figures[key] ?? null;
    const baseline = over ? figures[over] ?? null : null;
    const ratio = value === null || baseline === null
      ? null
      : baseline === 0
      ? Infinity
      : value / baseline;
    const judged = over ? ratio : value;
    const met = judged === null || Number.isNaN(judged)
      ? null
      : is === "≤"
      ? judged <= bound
      : judged >= bound;
    const unit = UNITS.find(([ending]) => key.endsWith(ending))?.[1] ?? "";
    return { issue, name, value, baseline, ratio, unit, met };
  });
}
