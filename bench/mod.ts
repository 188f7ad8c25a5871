/**
 * `deno task bench`: Parley measured beside the floors it is judged against (WebRTC in one page, a
 * bare relay) and the tutorial design it replaces. Runs each part in turn, prints progress, writes
 * bench/results.json (raw figures, machine stamp) and bench/README.md (generated from them alone).
 *
 * Options: `--quick` (or `BENCH_QUICK=1`) every part with small numbers; `--only=browser,network,
 * conditions,coldstart,rejoin,signaling,capacity,redis,attacks,
 * effects,group` some parts; `--conditions=loss15,cap100`
 * some of the network conditions (`conditions.ts`); `--out=DIR` where to write (quick and partial
 * runs default to a temporary folder: only a full run replaces the committed results); `--merge`
 * a partial run's parts replace those of DIR's results.json (default the committed one), the
 * others kept; `--render` measure nothing, write README.md again from DIR's results.json. Written
 * to the committed folder, the tables of docs/performance.md made from the results follow.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runAttacks } from "./attacks.ts";
import { runBrowser } from "./browser.ts";
import { runCapacity, runRejoin } from "./crowd.ts";
import { machineStamp } from "./machine.ts";
import { runRedis } from "./redis.ts";
import { coldStart } from "./page_weight.ts";
import { renderReadme } from "./report.ts";
import { type BenchResults, figuresOf, mergeParts, type Settings } from "./results.ts";
import {
  conditionsDocsBlock,
  conditionsReadmeBlock,
  replaceDocsBlock,
  replaceReadmeBlock,
} from "./conditions_report.ts";
import { ensureTutorial } from "./servers.ts";
import { runSignaling } from "./signaling.ts";
import { runLinkCuts } from "./link_cut.ts";
import { runConditions } from "./conditions.ts";
import { runEffects } from "./effects.ts";
import { runGroup } from "./group.ts";
import { groupDocsBlock, groupReadmeBlock, replaceGroupBlock } from "./group_report.ts";
import { judgeAll } from "./targets.ts";

/** The full run: about five minutes on a 2-core machine. */
export const FULL: Settings = {
  rooms: [100, 1000],
  rounds: 2,
  warmupMs: 2000,
  durationMs: 8000,
  drainMs: 5000,
  capacityLevels: [1000, 5000, 10_000],
  joinProbes: 200,
  capacityHoldMs: 5000,
  rejoinClients: 1000,
  calls: 20,
  asWrittenCalls: 3,
  callTimeoutMs: 15_000,
  coldStarts: 5,
  linkCuts: 8,
  linkCutMs: 5000,
  linkTalkMs: 3000,
  conditionRuns: 3,
  conditionMs: 60_000,
  conditionWarmupMs: 8000,
  recoveryWaitMs: 30_000,
  groupRuns: 3,
  groupWindowSeconds: 15,
};

/** The smoke run, about a minute. */
export const QUICK: Settings = {
  ...FULL,
  ...{ rooms: [20, 100], rounds: 1, warmupMs: 500, durationMs: 2000, drainMs: 1000 },
  ...{ capacityLevels: [200, 1000], joinProbes: 20, capacityHoldMs: 500, rejoinClients: 200 },
  ...{ calls: 3, asWrittenCalls: 1, coldStarts: 2, linkCuts: 2 },
  ...{ conditionRuns: 1, conditionMs: 25_000, recoveryWaitMs: 15_000 },
  ...{ groupRuns: 1, groupWindowSeconds: 5 },
};

const PARTS = [
  ...["browser", "network", "conditions", "coldstart", "rejoin", "signaling", "capacity"],
  ...["redis", "attacks", "effects", "group"],
];
const log = (line: string) => console.log(line);
/** `--conditions=loss15,cap100`: only these of the network conditions. */
let conditionsOnly: string[] | null = null;

/** Each part: fills its share of the results. */
const RUN: Record<string, (r: BenchResults, s: Settings) => Promise<void>> = {
  async browser(r, s) {
    Object.assign(r, await runBrowser(s, log));
  },
  async network(r, s) {
    r.linkCuts = await runLinkCuts(s, log);
  },
  async conditions(r, s) {
    const stamp = { command: r.command, commit: r.machine.commit };
    r.conditions = await runConditions(s, log, stamp, conditionsOnly);
  },
  async coldstart(r, s) {
    for (
      const [name, target] of [
        ["Parley: deno run … server.ts", "parley"],
        ["Parley: deno task start", "task"],
        ["tutorial: node server.js", "tutorial"],
      ] as const
    ) {
      r.coldStart.push(await coldStart(name, target, s.coldStarts));
      log(`  ${name}: ${r.coldStart.at(-1)!.medianMs} ms`);
    }
  },
  async rejoin(r, s) {
    const j = r.rejoin = await runRejoin(s.rejoinClients, 30_000);
    log(`  ${j.rejoined}/${j.clients} back, p50 ${j.rejoinMs.p50} ms, max ${j.rejoinMs.max} ms`);
  },
  async signaling(r, s) {
    for (const rooms of s.rooms) {
      // Rounds interleave the servers, so a burst of other work hits one round of each.
      for (let round = 1; round <= s.rounds; round++) {
        for (const target of ["parley", "tutorial", "bare"] as const) {
          const run = await runSignaling(target, rooms, round, s);
          r.signaling.push(run);
          log(
            `  ${target}, ${rooms} rooms, round ${round}: ` + (run.error ?? (
              `${run.negotiationsPerSecond}/s, relay p50 ${run.latencyMs.p50} ms, lost ${run.lost}, ` +
              `misdelivered ${run.misdelivered}, others ${run.otherCpuPercent}% of a core`
            )),
          );
        }
      }
    }
  },
  async capacity(r, s) {
    r.capacity = await runCapacity(s.capacityLevels, s.joinProbes, s.capacityHoldMs, log);
  },
  async redis(r, s) {
    r.redis = await runRedis(s, log);
  },
  async attacks(r, s) {
    r.attacks = await runAttacks(s, log);
  },
  async effects(r) {
    r.effects = await runEffects(log);
  },
  async group(r, s) {
    const stamp = { command: r.command, commit: r.machine.commit };
    r.group = await runGroup(s.groupRuns, s.groupWindowSeconds, stamp, log);
  },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: Deno.env.get("BENCH_QUICK") === "1" },
      only: { type: "string" },
      out: { type: "string" },
      render: { type: "boolean", default: false },
      merge: { type: "boolean", default: false },
      conditions: { type: "string" },
    },
  });
  conditionsOnly = values.conditions?.split(",") ?? null;
  const parts = values.only?.split(",") ?? PARTS;
  if (parts.some((part) => !PARTS.includes(part))) throw new Error(`parts are ${PARTS}`);
  const partial = values.quick || values.only !== undefined;
  const outDir = values.out ??
    (partial && !values.render && !values.merge
      ? await Deno.makeTempDir({ prefix: "parley-bench-" })
      : fileURLToPath(new URL(".", import.meta.url)));
  if (values.render) {
    const saved: BenchResults = JSON.parse(await Deno.readTextFile(`${outDir}/results.json`));
    // The targets may have changed since: judge the saved figures anew.
    return await write(outDir, { ...saved, figures: figuresOf(saved) });
  }
  const started = performance.now();
  const settings = values.quick ? QUICK : FULL;
  const r: BenchResults = {
    mode: values.quick ? "quick" : partial ? "partial" : "full",
    command: `deno task bench ${Deno.args.join(" ")}`.trim(),
    machine: await machineStamp(),
    settings,
    durationSeconds: 0,
    loadAverageAfter: [],
    ...{ calls: [], pageWeight: [], coldStart: [], rejoin: null, signaling: [], capacity: null },
    redis: [],
    linkCuts: [],
    conditions: null,
    attacks: [],
    figures: {},
    errors: [],
  };
  const m = r.machine;
  log(`Parley bench (${r.mode}): ${m.cpuModel}, ${m.cores} cores, load ${m.loadAverage.join(" ")}`);
  await ensureTutorial(log);
  for (const part of parts) {
    log(`\n[${part}]`);
    try {
      await RUN[part](r, settings);
    } catch (error) {
      r.errors.push(`${part}: ${error instanceof Error ? error.message : error}`);
      log(`  ${part} failed: ${error}`);
    }
  }
  r.durationSeconds = Math.round((performance.now() - started) / 1000);
  r.loadAverageAfter = Deno.loadavg().map((l) => Math.round(l * 100) / 100);
  r.figures = figuresOf(r);
  if (values.merge) {
    const saved: BenchResults = JSON.parse(await Deno.readTextFile(`${outDir}/results.json`));
    Object.assign(r, mergeParts(saved, r, parts));
  }
  await write(outDir, r);
  log("\nTargets:");
  for (const v of judgeAll(r.figures)) {
    log(`  ${v.met === null ? "-      " : v.met ? "met    " : "NOT MET"}  ${v.name}`);
  }
  log(`\nDone in ${r.durationSeconds} s.`);
}

/** Writes results.json and README.md into `dir`, formatted as `deno fmt` wants them. */
async function write(dir: string, r: BenchResults): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/results.json`, JSON.stringify(r, null, 2) + "\n");
  await Deno.writeTextFile(`${dir}/README.md`, renderReadme(r));
  const written = [`${dir}/results.json`, `${dir}/README.md`];
  // The committed results: the performance doc's generated tables follow them.
  const docs = fileURLToPath(new URL("../docs/performance.md", import.meta.url));
  const readme = fileURLToPath(new URL("../README.md", import.meta.url));
  if (fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "") === dir.replace(/\/$/, "")) {
    const group = r.group;
    const files: Array<[string, Array<(text: string) => string>]> = [
      [docs, [
        (t) => r.conditions ? replaceDocsBlock(t, conditionsDocsBlock(r.conditions)) : t,
        (t) => group ? replaceGroupBlock(t, groupDocsBlock(group)) : t,
      ]],
      [readme, [
        (t) => group ? replaceGroupBlock(t, groupReadmeBlock(group)) : t,
        (t) => r.conditions ? replaceReadmeBlock(t, conditionsReadmeBlock(r.conditions)) : t,
      ]],
    ];
    for (const [file, blocks] of files) {
      const text = await Deno.readTextFile(file);
      const next = blocks.reduce((t, block) => block(t), text);
      if (next !== text) {
        await Deno.writeTextFile(file, next);
        written.push(file);
      }
    }
  }
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...written] }).output();
  log(`Wrote ${written.join(", ")}`);
}

if (import.meta.main) {
  await main();
  // Puppeteer and socket.io leave handles behind; the run is over.
  Deno.exit(0);
}
