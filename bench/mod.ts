/**
 * `deno task bench`: Parley against the tutorial's design and against a bare relay, on this
 * machine. Runs every part in turn, prints progress, and writes bench/results.json (raw figures
 * and the machine stamp) and bench/README.md (the table, the targets, how to reproduce).
 *
 * Options:
 * - `--quick` (or `BENCH_QUICK=1`): a smoke run of every part with small numbers, in about two
 *   minutes; writes to a temporary folder, never over the committed results.
 * - `--only=signaling,capacity,browser,download`: run only these parts (written to a temporary
 *   folder too).
 * - `--out=DIR`: write results.json and README.md there.
 * - `--render`: measure nothing; write README.md again from the results.json already there.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runBrowserCalls } from "./browser_bench.ts";
import { runCapacityBench } from "./capacity_bench.ts";
import { machineStamp } from "./machine.ts";
import { measureColdStart, measurePageWeight } from "./page_weight.ts";
import { renderReadme } from "./report.ts";
import type { BenchResults, Settings } from "./results.ts";
import { ensureTutorialDependencies, prepareParley, ROOT, serverCommand } from "./servers.ts";
import { runSignaling } from "./signaling_bench.ts";
import type { Target } from "./signal_clients.ts";

/** The full run: about seven minutes on a 2-core machine. */
export const FULL: Settings = {
  rooms: [100, 1000],
  rounds: 2,
  warmupMs: 2000,
  durationMs: 12_000,
  drainMs: 5000,
  capacityLevels: [1000, 5000, 10_000],
  joinProbes: 200,
  capacityHoldMs: 10_000,
  calls: 20,
  asWrittenCalls: 3,
  callTimeoutMs: 15_000,
  coldStarts: 5,
};

/** The smoke run. */
export const QUICK: Settings = {
  rooms: [20, 100],
  rounds: 1,
  warmupMs: 500,
  durationMs: 3000,
  drainMs: 2000,
  capacityLevels: [200, 500, 1000],
  joinProbes: 20,
  capacityHoldMs: 1000,
  calls: 2,
  asWrittenCalls: 1,
  callTimeoutMs: 15_000,
  coldStarts: 2,
};

const PARTS = ["download", "signaling", "capacity", "browser"] as const;
const TARGETS: Target[] = ["parley", "tutorial", "bare"];

function log(line: string): void {
  console.log(line);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: Deno.env.get("BENCH_QUICK") === "1" },
      only: { type: "string" },
      out: { type: "string" },
      render: { type: "boolean", default: false },
    },
  });
  const quick = values.quick ?? false;
  const settings = quick ? QUICK : FULL;
  const parts = new Set(values.only ? values.only.split(",") : PARTS);
  // Only a full run of every part replaces the committed results.
  const partial = quick || values.only !== undefined;
  const outDir = (values.out ??
    (partial && !values.render
      ? await Deno.makeTempDir({ prefix: "parley-bench-" })
      : fileURLToPath(new URL(".", import.meta.url)))).replace(/\/+$/, "");
  if (values.render) {
    const results = JSON.parse(await Deno.readTextFile(`${outDir}/results.json`));
    await writeReadme(outDir, results);
    log(`Wrote ${outDir}/README.md from ${outDir}/results.json`);
    return;
  }
  const started = performance.now();

  const machine = await machineStamp();
  log(
    `Parley bench (${quick ? "quick" : "full"}) on ${machine.hostname}: ${machine.cpuModel}, ` +
      `${machine.cores} cores, load average ${machine.loadAverage.join(" ")}`,
  );
  await ensureTutorialDependencies(log);
  await prepareParley();

  const results: BenchResults = {
    mode: quick ? "quick" : "full",
    command: quick ? "deno task bench --quick" : "deno task bench",
    machine,
    settings,
    durationSeconds: 0,
    loadAverageAfter: [],
    signaling: [],
    capacity: null,
    browser: [],
    pageWeight: [],
    coldStart: [],
    errors: [],
  };
  const attempt = async (name: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      results.errors.push(`${name}: ${error instanceof Error ? error.message : error}`);
      log(`  ${name} failed: ${error}`);
    }
  };

  if (parts.has("download")) {
    log("\n[1/4] What a visitor downloads, and cold start");
    for (const target of ["parley", "tutorial"] as const) {
      await attempt(`page weight ${target}`, async () => {
        const weight = await measurePageWeight(target);
        results.pageWeight.push(weight);
        log(
          `  ${target} ${weight.page}: JS ${kb(weight.totals.js.gzipBytes)} gzip, ` +
            `all ${kb(weight.totals.all.gzipBytes)} gzip (${
              kb(weight.totals.all.bytes)
            } as served)`,
        );
      });
    }
    const starts: Array<[string, Target | "task"]> = [
      ["Parley: deno run … server.ts", "parley"],
      ["Parley: deno task start", "task"],
      ["tutorial: node server.js", "tutorial"],
    ];
    for (const [name, which] of starts) {
      await attempt(`cold start ${name}`, async () => {
        const command = which === "task"
          ? { command: Deno.execPath(), args: ["task", "start"], cwd: ROOT }
          : await serverCommand(which);
        const cold = await measureColdStart(name, command, settings.coldStarts);
        results.coldStart.push(cold);
        log(`  ${name}: first 200 after ${cold.medianMs} ms (median of ${cold.runsMs.length})`);
      });
    }
  }

  if (parts.has("signaling")) {
    log("\n[2/4] Signaling throughput and latency");
    for (const rooms of settings.rooms) {
      // Rounds interleave the servers, so a burst of other work on the machine hits one round
      // of each rather than all rounds of one; the report takes each server's best round.
      for (let round = 1; round <= settings.rounds; round++) {
        for (const target of TARGETS) {
          log(`- ${target}, ${rooms} rooms, round ${round} of ${settings.rounds}`);
          const run = await runSignaling(target, rooms, { ...settings, log });
          results.signaling.push({ ...run, round });
          const l = run.load;
          log(
            l
              ? `  ${l.negotiationsPerSecond} negotiations/s, relay p50 ${l.latencyMs.p50} ms ` +
                `p99 ${l.latencyMs.p99} ms, lost ${l.lost}, misdelivered ${l.misdelivered}, ` +
                `server CPU ${run.server?.percentOfCore}%, other processes ` +
                `${run.otherPercentOfCore}%${run.error ? ` (${run.error})` : ""}`
              : `  failed: ${run.error}`,
          );
        }
      }
    }
  }

  if (parts.has("capacity")) {
    log("\n[3/4] Capacity: idle connections to Parley");
    await attempt("capacity", async () => {
      results.capacity = await runCapacityBench({
        levels: settings.capacityLevels,
        probes: settings.joinProbes,
        finalHoldMs: settings.capacityHoldMs,
        log,
      });
      if (results.capacity.error) log(`  ${results.capacity.error}`);
    });
  }

  if (parts.has("browser")) {
    log("\n[4/4] Call setup in headless Chromium");
    const runs = [
      { target: "parley" as const, calls: settings.calls, asWritten: false },
      { target: "tutorial" as const, calls: settings.calls, asWritten: false },
      { target: "tutorial" as const, calls: settings.asWrittenCalls, asWritten: true },
    ];
    for (const { target, calls, asWritten } of runs) {
      log(`- ${target}${asWritten ? ", its client exactly as written" : ""}`);
      await attempt(`browser ${target}`, async () => {
        const result = await runBrowserCalls(target, {
          calls,
          asWritten,
          timeoutMs: settings.callTimeoutMs,
          log,
        });
        results.browser.push(result);
        log(
          result.available
            ? `  ${result.successes}/${result.calls} connected` +
              (result.setupMs ? `, p50 ${result.setupMs.p50} ms, p95 ${result.setupMs.p95} ms` : "")
            : `  ${result.reason}`,
        );
      });
    }
  }

  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  results.loadAverageAfter = Deno.loadavg().map((l) => Math.round(l * 100) / 100);
  await Deno.writeTextFile(`${outDir}/results.json`, JSON.stringify(results, null, 2) + "\n");
  const readme = await writeReadme(outDir, results);
  log(`\nDone in ${results.durationSeconds} s. Wrote ${outDir}/results.json and README.md`);
  if (partial) log("\n" + readme);
}

/** Writes README.md for `results` into `outDir`, both files as `deno fmt` leaves them. */
async function writeReadme(outDir: string, results: BenchResults): Promise<string> {
  const readme = renderReadme(results);
  await Deno.writeTextFile(`${outDir}/README.md`, readme);
  // Keep the written files as `deno fmt --check` (deno task check) wants them.
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", `${outDir}/results.json`, `${outDir}/README.md`],
    stdout: "null",
    stderr: "null",
  }).output();
  return readme;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.main) {
  await main();
  // Puppeteer and socket.io leave handles behind; the run is over.
  Deno.exit(0);
}
