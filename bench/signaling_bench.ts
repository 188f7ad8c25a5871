/**
 * The signaling benchmark for one server and one room count: start the server, run the load
 * generator (`signaling_load.ts`) in its own process, and meter both processes' CPU over the
 * measurement window and the server's memory at its end.
 *
 * @module
 */
import { CpuMeter, machineBusySeconds, memory } from "./proc_stats.ts";
import { readLines, ROOT, startServer } from "./servers.ts";
import type { LoadConfig, LoadResult } from "./signaling_load.ts";
import type { Target } from "./signal_clients.ts";

/** Timing of one run. */
export interface SignalingOptions {
  warmupMs: number;
  durationMs: number;
  drainMs: number;
  /** Progress lines. */
  log: (line: string) => void;
}

/** CPU and memory of one process over the window. */
export interface ProcessFigures {
  cpuSeconds: number;
  /** Share of one core over the window; 200 would be both cores of this machine. */
  percentOfCore: number;
  rssBytes?: number;
  peakRssBytes?: number;
}

/** One server at one room count: the load generator's figures plus both processes' costs. */
export interface SignalingRun {
  target: Target;
  rooms: number;
  /** Null when the run failed; see `error`. */
  load: LoadResult | null;
  server: ProcessFigures | null;
  loadGenerator: ProcessFigures | null;
  /**
   * CPU the rest of the machine used over the window, % of one core (all cores busy minus the
   * server and the load generator): other work competing for the cores.
   */
  otherPercentOfCore: number | null;
  error?: string;
}

/** Runs the signaling benchmark against a fresh `target` server with `rooms` rooms. */
export async function runSignaling(
  target: Target,
  rooms: number,
  options: SignalingOptions,
): Promise<SignalingRun> {
  const run: SignalingRun = {
    target,
    rooms,
    load: null,
    server: null,
    loadGenerator: null,
    otherPercentOfCore: null,
  };
  const server = await startServer(target);
  try {
    const config: LoadConfig = {
      target,
      url: server.url,
      rooms,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      drainMs: options.drainMs,
      connectConcurrency: 50,
    };
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-env",
        "--allow-read",
        "bench/signaling_load.ts",
        JSON.stringify(config),
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Connecting takes a few seconds per thousand clients; beyond this the run is abandoned.
    const limitMs = 60_000 + options.warmupMs + options.durationMs + options.drainMs + rooms * 20;
    const killer = setTimeout(() => {
      run.error = `abandoned after ${Math.round(limitMs / 1000)} s`;
      child.kill("SIGKILL");
    }, limitMs);
    const serverCpu = new CpuMeter(server.pid);
    const loadCpu = new CpuMeter(child.pid);
    let machine0 = 0;
    let window0 = 0;
    const lines = readLines(child.stdout);
    for await (const text of lines) {
      let line: { phase?: string; result?: LoadResult; error?: string; connectMs?: number };
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      if (line.phase === "connected") {
        options.log(`  ${2 * rooms} clients connected in ${Math.round(line.connectMs ?? 0)} ms`);
      } else if (line.phase === "measuring") {
        await Promise.all([serverCpu.start(), loadCpu.start()]);
        machine0 = await machineBusySeconds();
        window0 = performance.now();
      } else if (line.phase === "measured") {
        const [serverFigures, loadFigures, serverMemory] = await Promise.all([
          serverCpu.stop(),
          loadCpu.stop(),
          memory(server.pid),
        ]);
        const machineBusy = await machineBusySeconds() - machine0;
        const windowSeconds = (performance.now() - window0) / 1000;
        run.server = { ...serverFigures, ...serverMemory };
        run.loadGenerator = loadFigures;
        const other = machineBusy - serverFigures.cpuSeconds - loadFigures.cpuSeconds;
        run.otherPercentOfCore = Math.max(0, Math.round((other / windowSeconds) * 1000) / 10);
      } else if (line.phase === "done") {
        run.load = line.result ?? null;
      } else if (line.phase === "failed") {
        run.error = line.error;
      }
    }
    await child.status;
    clearTimeout(killer);
  } catch (error) {
    run.error = String(error);
  } finally {
    await server.stop();
  }
  return run;
}
