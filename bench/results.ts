/**
 * The shape of bench/results.json: every raw figure of one `deno task bench` run, with the
 * settings it ran with and the machine it ran on.
 *
 * @module
 */
import type { BrowserResult } from "./browser_bench.ts";
import type { CapacityResult } from "./capacity_bench.ts";
import type { MachineStamp } from "./machine.ts";
import type { ColdStart, PageWeight } from "./page_weight.ts";
import type { SignalingRun } from "./signaling_bench.ts";

/** What a run measures and for how long. */
export interface Settings {
  /** Room counts of the signaling benchmark. */
  rooms: number[];
  /** Signaling runs of each server at each room count; the report takes the best. */
  rounds: number;
  warmupMs: number;
  /** Measurement window of each signaling run. */
  durationMs: number;
  /** Longest wait for negotiations in flight after the window. */
  drainMs: number;
  /** Idle connection levels of the capacity benchmark. */
  capacityLevels: number[];
  /** Fresh clients timed at each capacity level. */
  joinProbes: number;
  /** How long the top capacity level is held before drops are counted. */
  capacityHoldMs: number;
  /** Browser calls per app. */
  calls: number;
  /** Tries of the tutorial's client exactly as written. */
  asWrittenCalls: number;
  callTimeoutMs: number;
  coldStarts: number;
}

/** Everything one run measured. */
export interface BenchResults {
  mode: "full" | "quick";
  command: string;
  machine: MachineStamp;
  settings: Settings;
  /** Wall-clock length of the whole run. */
  durationSeconds: number;
  /** Load averages when the run ended. */
  loadAverageAfter: number[];
  /** Every signaling run, all rounds. */
  signaling: Array<SignalingRun & { round?: number }>;
  capacity: CapacityResult | null;
  browser: BrowserResult[];
  pageWeight: PageWeight[];
  coldStart: ColdStart[];
  /** Parts that could not run, and why. */
  errors: string[];
}
