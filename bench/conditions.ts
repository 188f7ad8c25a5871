/**
 * A call on a poor network, Parley beside plain WebRTC: person B's Chromium runs in a network
 * namespace (`tests/helpers/netns.ts`), A's on the host, and B's link gets one condition at a time
 * (`tests/helpers/link_conditions.ts`): random loss each way, an uplink capped with a real queue,
 * a cap that drops mid-call and comes back. Each call runs on a clean link until both see each
 * other and the picture has had time to reach its full size; then the condition starts, and the
 * receiving pages' `getStats()` are read (`receive_watch.ts`) for the window; then it ends, and
 * the clock runs until A receives full quality again.
 *
 * The floor, in the same namespace and run: two bare pages with one RTCPeerConnection each,
 * sending camera and microphone with the browser's defaults (`link_cut.ts`'s floor).
 *
 * Needs root, iproute2's `tc` and iptables; elsewhere the part fails with the reason.
 *
 * @module
 */
import type { Browser, BrowserContext, Page } from "puppeteer-core";
import { closeBrowser, launchChromium, newRoomUrl, pressJoin } from "../tests/helpers/browser.ts";
import {
  applyCondition,
  clearCondition,
  conditionsUnavailable,
  type LinkCondition,
  stopLoss,
} from "../tests/helpers/link_conditions.ts";
import { createNamespaceLink, namespacesUnavailable } from "../tests/helpers/netns.ts";
import { watchPeerConnections } from "../tests/helpers/peer_watch.ts";
import { startServer } from "../tests/helpers/server.ts";
import { floorCall, watchFrames } from "./link_cut.ts";
import {
  fullQualityAfter,
  type PauseWords,
  type Reading,
  saidPausedAfter,
  SAMPLE_MS,
  startReadings,
  summarizeWindow,
  type WindowFigures,
} from "./receive_watch.ts";
import type { Settings } from "./results.ts";
import { sleep } from "./stats.ts";

/** One condition: what the link has before it (from the call's start), during, and how long. */
export interface Condition {
  id: string;
  name: string;
  before?: LinkCondition;
  during: LinkCondition;
  /** How long it lasts (ms); absent: the whole window. */
  lastsMs?: number;
}

/** The conditions, in the order the table shows them. */
export const CONDITIONS: Condition[] = [
  { id: "loss5", name: "5% loss each way", during: { loss: 0.05 } },
  { id: "loss15", name: "15% loss each way", during: { loss: 0.15 } },
  { id: "cap1000", name: "uplink 1 Mbit/s", during: { uplinkKbit: 1000 } },
  { id: "cap300", name: "uplink 300 kbit/s", during: { uplinkKbit: 300 } },
  { id: "cap100", name: "uplink 100 kbit/s", during: { uplinkKbit: 100 } },
  {
    id: "drop",
    name: "uplink 3 Mbit/s → 300 kbit/s for 20 s → 3 Mbit/s",
    before: { uplinkKbit: 3000 },
    during: { uplinkKbit: 300 },
    lastsMs: 20_000,
  },
];

/** Parley's words for a paused picture, found by the status pill's (or indicator's) attributes. */
const PARLEY_WORDS: PauseWords = {
  mine: '[data-pill="videoPaused"], [data-problem="videoPaused"]',
  theirs: '[data-pill="theirVideoPaused"], [data-problem="theirVideoPaused"]',
};

/** One call under one condition. */
export interface ConditionRun {
  condition: string;
  kind: "parley" | "floor";
  /** What A (whose side is not touched) received from B during the window. */
  received: WindowFigures | null;
  /** What B received from A during the window. */
  receivedByB: WindowFigures | null;
  /** A's video just before the condition: what "full quality" means for this call. */
  full: { height: number; fps: number } | null;
  /** Condition over → A receives full quality again (ms); null: not within the wait. */
  fullAfterMs: number | null;
  /** Condition on → B says its video is paused / A says B's is (Parley; ms, null: never). */
  pauseSaid: { mine: number | null; theirs: number | null } | null;
  error?: string;
}

/** The network conditions part of a run, with its own stamp (it may be run and merged alone). */
export interface ConditionResults {
  /** When it ran, the command, how long it took, the load average before and after. */
  date: string;
  command: string;
  commit: string;
  durationSeconds: number;
  loadAverage: number[];
  loadAverageAfter: number[];
  /** The window each condition is measured over, the clean start, the longest wait for recovery. */
  windowMs: number;
  warmupMs: number;
  recoveryWaitMs: number;
  runs: ConditionRun[];
  /**
   * Conditions kept from earlier runs when only some were measured and merged
   * (`--conditions=… --merge`): which, and the run each came from.
   */
  earlier?: EarlierStamp[];
}

/** The run some of the merged conditions came from. */
export interface EarlierStamp {
  conditions: string[];
  date: string;
  command: string;
  commit: string;
  loadAverage: number[];
}

/**
 * `run`'s conditions put in place of the same ones of `saved`: the others stay, with the stamp of
 * the run they came from.
 */
export function mergeConditions(saved: ConditionResults, run: ConditionResults): ConditionResults {
  const measured = new Set(run.runs.map((r) => r.condition));
  const kept = saved.runs.filter((r) => !measured.has(r.condition));
  const earlier = (saved.earlier ?? [])
    .map((e) => ({ ...e, conditions: e.conditions.filter((c) => !measured.has(c)) }));
  const fromSaved = new Set(kept.map((r) => r.condition));
  for (const e of earlier) for (const c of e.conditions) fromSaved.delete(c);
  if (fromSaved.size) {
    const { date, command, commit, loadAverage } = saved;
    earlier.push({ conditions: [...fromSaved], date, command, commit, loadAverage });
  }
  const order = (r: ConditionRun) => CONDITIONS.findIndex((c) => c.id === r.condition);
  const runs = [...kept, ...run.runs].sort((a, b) => order(a) - order(b));
  return { ...run, runs, earlier: earlier.filter((e) => e.conditions.length) };
}

/** Runs every run of every condition (or those `only` names), Parley and the floor in turn. */
export async function runConditions(
  s: Settings,
  log: (line: string) => void,
  stamp: { command: string; commit: string },
  only: string[] | null = null,
): Promise<ConditionResults> {
  const started = performance.now();
  const load = () => Deno.loadavg().map((l) => Math.round(l * 100) / 100);
  const results: ConditionResults = {
    date: new Date().toISOString(),
    ...stamp,
    durationSeconds: 0,
    loadAverage: load(),
    loadAverageAfter: [],
    windowMs: s.conditionMs,
    warmupMs: s.conditionWarmupMs,
    recoveryWaitMs: s.recoveryWaitMs,
    runs: await runAll(s, log, only),
  };
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  results.loadAverageAfter = load();
  return results;
}

async function runAll(
  s: Settings,
  log: (line: string) => void,
  only: string[] | null,
): Promise<ConditionRun[]> {
  const unavailable = await namespacesUnavailable() ?? await conditionsUnavailable();
  if (unavailable) throw new Error(`the network conditions need ${unavailable}`);
  const conditions = CONDITIONS.filter((c) => !only || only.includes(c.id));
  const link = await createNamespaceLink("pn-bench", { subnet: "10.236.0" });
  const server = await startServer({ host: link.hostAddress }).catch(async (error) => {
    await link.remove();
    throw error;
  });
  const browsers: Browser[] = [];
  const runs: ConditionRun[] = [];
  try {
    const secure = `--unsafely-treat-insecure-origin-as-secure=${server.url}`;
    browsers.push(await launchChromium({ args: [secure] }));
    browsers.push(await launchChromium({ args: [secure], executablePath: link.chromium }));
    for (let round = 0; round < s.conditionRuns; round++) {
      for (const condition of conditions) {
        // Alternate who goes first, so that a slow spell of the machine hits both alike.
        const kinds = round % 2 ? ["floor", "parley"] as const : ["parley", "floor"] as const;
        for (const kind of kinds) {
          const run = await oneCall(s, { browsers, url: server.url, link, condition, kind });
          runs.push(run);
          log(`  ${condition.id} ${kind} (run ${round + 1}): ${describe(run)}`);
        }
      }
    }
  } finally {
    for (const browser of browsers) await closeBrowser(browser);
    await server.stop();
    await stopLoss(link).catch(() => {});
    await link.remove();
  }
  return runs;
}

function describe(run: ConditionRun): string {
  if (run.error) return `failed: ${run.error}`;
  const r = run.received;
  const pct = (x?: number) => x === undefined ? "—" : `${Math.round(1000 * x) / 10}%`;
  return `concealed ${pct(r?.concealed)}, gap ${r?.longestAudioGapMs} ms, ` +
    `freezes ${r?.freezes} (${r?.freezeMs} ms, longest unsaid ${r?.longestUnsaidFreezeMs} ms), ` +
    `${r?.fps} fps, ${r?.height}p; full again after ${run.fullAfterMs} ms` +
    (run.pauseSaid ? `; pause said B ${run.pauseSaid.mine} ms, A ${run.pauseSaid.theirs} ms` : "");
}

interface CallSetting {
  browsers: Browser[];
  url: string;
  link: Awaited<ReturnType<typeof createNamespaceLink>>;
  condition: Condition;
  kind: "parley" | "floor";
}

/** One call of `kind` under `condition`, measured. */
async function oneCall(s: Settings, setting: CallSetting): Promise<ConditionRun> {
  const { browsers, url, link, condition, kind } = setting;
  const run: ConditionRun = {
    condition: condition.id,
    kind,
    ...{ received: null, receivedByB: null, full: null, fullAfterMs: null, pauseSaid: null },
  };
  const contexts: BrowserContext[] = [];
  let pages: Page[] = [];
  try {
    await applyCondition(link, condition.before ?? {});
    for (const browser of browsers) contexts.push(await browser.createBrowserContext());
    const [a, b] = pages = await Promise.all(contexts.map(async (context) => {
      const page = await context.newPage();
      await watchPeerConnections(page);
      await page.evaluateOnNewDocument(watchFrames);
      return page;
    }));
    if (kind === "parley") await parleyCall(url, a, b);
    else await floorCall(url, a, b);
    const words = kind === "parley" ? PARLEY_WORDS : { mine: null, theirs: null };
    for (const page of [a, b]) await page.evaluate(startReadings, SAMPLE_MS, words);
    await Promise.all([a, b].map((page) => videoMoving(page)));
    await sleep(s.conditionWarmupMs);
    const before = await goodVideo(a);
    const start = Date.now();
    run.full = { height: before.height, fps: Math.max(1, Math.floor(before.fps * 0.8)) };

    await applyCondition(link, condition.during);
    const lasts = condition.lastsMs ?? s.conditionMs;
    await sleep(lasts);
    await applyCondition(link, condition.before ?? {});
    const over = Date.now();
    const windowEnd = start + s.conditionMs;
    // The window may go on after the condition (a drop that comes back); recovery is timed meanwhile.
    const deadline = Math.max(windowEnd, over + s.recoveryWaitMs);
    while (Date.now() < deadline) {
      await sleep(1000);
      if (Date.now() < windowEnd) continue;
      if (fullQualityAfter(await readings(a), over, run.full) !== null) break;
    }
    const [atA, atB] = [await readings(a), await readings(b)];
    run.received = summarizeWindow(atA, start, windowEnd);
    run.receivedByB = summarizeWindow(atB, start, windowEnd);
    run.fullAfterMs = fullQualityAfter(atA, over, run.full);
    if (kind === "parley") {
      run.pauseSaid = {
        mine: saidPausedAfter(atB, start, "minePaused"),
        theirs: saidPausedAfter(atA, start, "theirsPaused"),
      };
    }
    await dumpTrace(condition.id, kind, { a: atA, b: atB, start, over });
  } catch (error) {
    run.error = error instanceof Error ? error.message : String(error);
    const [a, b] = await Promise.all(pages.map((page) => readings(page).catch(() => [])));
    await dumpTrace(condition.id, kind, { a, b, start: Date.now(), over: 0 });
  } finally {
    await Promise.all(contexts.map((context) => context.close().catch(() => {})));
    await clearCondition(link).catch(() => {});
  }
  return run;
}

/** Parley: A opens a room and joins, then B; the app does the rest. */
async function parleyCall(url: string, a: Page, b: Page): Promise<void> {
  const room = await newRoomUrl(url);
  for (const page of [a, b]) await page.goto(room);
  for (const page of [a, b]) await pressJoin(page);
}

function readings(page: Page): Promise<Reading[]> {
  return page.evaluate(() => (globalThis as unknown as { __readings: Reading[] }).__readings);
}

/** Waits until `page` has decoded video for two seconds. */
async function videoMoving(page: Page): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const got = await readings(page);
    const last = got.at(-1);
    const earlier = got.find((r) => r.at >= (last?.at ?? 0) - 2000);
    if (last && earlier && earlier.frames > 0 && last.frames > earlier.frames + 10) return;
    await sleep(250);
  }
  throw new Error("the video never started");
}

/** The least a call must show before a condition starts: its "full quality" is measured then. */
const GOOD_HEIGHT = 360;
const GOOD_FPS = 10;

/**
 * What `page` receives over two seconds once it is at least {@linkcode GOOD_HEIGHT} at
 * {@linkcode GOOD_FPS}, waiting up to 30 s: a machine too busy to get there fails the run rather
 * than measure "full quality" on a poor picture.
 */
async function goodVideo(page: Page): Promise<WindowFigures> {
  const deadline = Date.now() + 30_000;
  let now = Date.now();
  let last: WindowFigures | null = null;
  while (now < deadline) {
    last = summarizeWindow(await readings(page), now - 2000, now);
    if (last.height >= GOOD_HEIGHT && last.fps >= GOOD_FPS) return last;
    await sleep(500);
    now = Date.now();
  }
  throw new Error(
    `the call never showed ${GOOD_HEIGHT}p at ${GOOD_FPS} frames/s before the condition ` +
      `(${last?.height}p at ${last?.fps}): the machine is too busy`,
  );
}

/** With `PARLEY_BENCH_TRACE=dir`, every call's readings go to a file there (for looking into). */
async function dumpTrace(condition: string, kind: string, trace: unknown): Promise<void> {
  const dir = Deno.env.get("PARLEY_BENCH_TRACE");
  if (!dir) return;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/${condition}-${kind}-${Date.now()}.json`,
    JSON.stringify(trace),
  );
}
