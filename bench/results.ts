/**
 * The shape of bench/results.json: every raw figure of one run, the settings it ran with, the
 * machine it ran on, and the flat figures the targets are judged on.
 *
 * @module
 */
import type { AttackRun } from "./attacks.ts";
import type { RedisRun } from "./redis.ts";
import type { CallSeries } from "./browser.ts";
import type { CutSeries } from "./link_cut.ts";
import { type ConditionResults, mergeConditions } from "./conditions.ts";
import { conditionFigures } from "./conditions_report.ts";
import type { CapacityResult, RejoinResult } from "./crowd.ts";
import type { MachineStamp } from "./machine.ts";
import type { ColdStart, PageWeight } from "./page_weight.ts";
import type { Target } from "./servers.ts";
import type { SignalingRun } from "./signaling.ts";
import type { EffectsResult } from "./effects.ts";
import { effectsFigures } from "./effects_report.ts";
import type { GroupResult } from "./group.ts";
import { groupFigures } from "./group_report.ts";

/** What a run measures, and for how long. */
export interface Settings {
  /** Room counts of the signaling runs; each server runs `rounds` times at each. */
  rooms: number[];
  rounds: number;
  warmupMs: number;
  /** Measurement window of each signaling run. */
  durationMs: number;
  /** Longest wait for negotiations in flight after the window. */
  drainMs: number;
  /** Idle connections held in turn, and fresh clients timed at each level. */
  capacityLevels: number[];
  joinProbes: number;
  /** How long the top level is held before drops are counted. */
  capacityHoldMs: number;
  /** Clients whose server restarts under them. */
  rejoinClients: number;
  /** Browser calls of each kind (floor, Parley, tutorial). */
  calls: number;
  /** Tries of the tutorial's client exactly as written. */
  asWrittenCalls: number;
  callTimeoutMs: number;
  coldStarts: number;
  /** Network cuts of each kind (Parley, the floor), how long each lasts, the talk between. */
  linkCuts: number;
  linkCutMs: number;
  linkTalkMs: number;
  /** Calls of each kind under each network condition, the window, the clean start, the wait. */
  conditionRuns: number;
  conditionMs: number;
  conditionWarmupMs: number;
  recoveryWaitMs: number;
  /** Runs of the group part (a call of two, then one of four), and its upload window. */
  groupRuns: number;
  groupWindowSeconds: number;
}

/** Everything one run measured. */
export interface BenchResults {
  mode: "full" | "quick" | "partial";
  command: string;
  machine: MachineStamp;
  settings: Settings;
  durationSeconds: number;
  /** Load averages when the run ended. */
  loadAverageAfter: number[];
  /** Floor, Parley, tutorial and the tutorial as written. */
  calls: CallSeries[];
  pageWeight: PageWeight[];
  coldStart: ColdStart[];
  rejoin: RejoinResult | null;
  signaling: SignalingRun[];
  capacity: CapacityResult | null;
  /** Parley in memory, on one Redis, and two instances on one Redis (`redis.ts`). */
  redis: RedisRun[];
  /** A call's network cut and back: Parley and the floor (`link_cut.ts`). */
  linkCuts?: CutSeries[];
  /** Calls under loss and thin uplinks: Parley and the floor (`conditions.ts`). */
  conditions?: ConditionResults | null;
  /** The honest pair beside cheap attacking requests (`attacks.ts`). */
  attacks?: AttackRun[];
  /** Noise suppression and background blur, off and on (`effects.ts`). */
  effects?: EffectsResult;
  /** A call of four beside a call of two (`group.ts`). */
  group?: GroupResult | null;
  /** The figures the targets read (`targets.ts`), by key. */
  figures: Record<string, number>;
  /** Parts that could not run, and why. */
  errors: string[];
}

/** The signaling run of `target` at `rooms` with the most negotiations/s (least disturbed). */
export function bestRound(r: BenchResults, target: Target, rooms: number): SignalingRun | null {
  const runs = r.signaling.filter((s) => s.target === target && s.rooms === rooms && !s.error);
  return runs.sort((a, b) => b.negotiationsPerSecond - a.negotiationsPerSecond)[0] ?? null;
}

/** The call series called `name`, if it ran. */
export function callsOf(r: BenchResults, name: string): CallSeries | undefined {
  return r.calls.find((c) => c.name === name);
}

/** The flat figures of a run, by key: what the targets table and the summary read. */
export function figuresOf(r: BenchResults): Record<string, number> {
  const f: Record<string, number> = {};
  const parleyRuns = r.signaling.filter((s) => s.target === "parley" && !s.error);
  if (parleyRuns.length) {
    f["signaling.parley.lostOrMisdelivered"] = parleyRuns
      .reduce((sum, s) => sum + s.lost + s.misdelivered, 0);
  }
  if (r.redis?.length) {
    f["redis.lostOrMisdelivered"] = r.redis
      .reduce((sum, x) => sum + x.run.lost + x.run.misdelivered, 0);
  }
  for (const rooms of r.settings.rooms) {
    for (const target of ["parley", "tutorial", "bare"] as const) {
      const best = bestRound(r, target, rooms);
      if (best) f[`signaling.${rooms}.${target}.perSecond`] = best.negotiationsPerSecond;
    }
  }
  if (r.capacity) {
    f["capacity.held"] = r.capacity.maxHeld;
    f["capacity.dropped"] = r.capacity.drops;
  }
  for (const series of r.calls) {
    f[`calls.${series.name}.failed`] = series.calls.length - series.connected;
    f[`calls.${series.name}.p50Ms`] = series.bothMs.p50;
    f[`calls.${series.name}.p95Ms`] = series.bothMs.p95;
  }
  for (const series of r.linkCuts ?? []) {
    f[`cuts.${series.name}.p50Ms`] = series.bothMs.p50;
    f[`cuts.${series.name}.p95Ms`] = series.bothMs.p95;
    f[`cuts.${series.name}.sideP50Ms`] = series.sideMs.p50;
    f[`cuts.${series.name}.lost`] = series.lost + (series.error ? 1 : 0);
  }
  if (r.conditions) Object.assign(f, conditionFigures(r.conditions));
  for (const attack of r.attacks ?? []) {
    f[`attacks.${attack.name}.p95Ms`] = attack.attackedMs.p95;
    f[`attacks.${attack.name}.quietP95Ms`] = attack.quietMs.p95;
  }
  if (r.rejoin) {
    f["rejoin.missing"] = r.rejoin.clients - r.rejoin.rejoined;
    f["rejoin.p50Ms"] = r.rejoin.rejoinMs.p50;
    f["rejoin.bothP50Ms"] = r.rejoin.roomMs.p50;
  }
  Object.assign(f, effectsFigures(r.effects));
  Object.assign(f, groupFigures(r.group));
  for (const { target, first, returning } of r.pageWeight) {
    f[`page.${target}.firstKB`] = Math.round(first.transferBytes / 102.4) / 10;
    f[`page.${target}.chain`] = first.depth;
    f[`page.${target}.returningScripts`] = returning.resources
      .filter((x) => x.type === "Script" && !x.fromCache && x.transferBytes > 0).length;
  }
  return f;
}

/** Which fields of the results each part of the bench fills. */
const PART_FIELDS: Record<string, Array<keyof BenchResults>> = {
  browser: ["calls", "pageWeight"],
  network: ["linkCuts"],
  conditions: ["conditions"],
  coldstart: ["coldStart"],
  rejoin: ["rejoin"],
  signaling: ["signaling"],
  capacity: ["capacity"],
  redis: ["redis"],
  attacks: ["attacks"],
  effects: ["effects"],
  group: ["group"],
};

/**
 * `saved` with the `parts` that `run` measured put in place of its own: a part measured alone
 * (`--merge`) joins the committed results. The run's stamp stays the saved one's; a part that
 * keeps a stamp of its own (the network conditions) says when it ran.
 */
export function mergeParts(saved: BenchResults, run: BenchResults, parts: string[]): BenchResults {
  const merged: BenchResults = { ...saved };
  for (const part of parts) {
    for (const field of PART_FIELDS[part] ?? []) {
      (merged as unknown as Record<string, unknown>)[field] = run[field];
    }
  }
  // Some of the network conditions measured: the others stay as they were.
  if (parts.includes("conditions") && saved.conditions && run.conditions) {
    merged.conditions = mergeConditions(saved.conditions, run.conditions);
  }
  const others = saved.errors.filter((error) => !parts.some((p) => error.startsWith(`${p}:`)));
  merged.errors = [...others, ...run.errors];
  merged.figures = figuresOf(merged);
  return merged;
}
