/**
 * The machine a run measured, read when it runs: figures mean little without it.
 *
 * @module
 */

/** Hardware, software and load when the run started. */
export interface MachineStamp {
  date: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  deno: string;
  node: string;
  chromium: string;
  /** 1, 5 and 15 minute load averages at the start: other work shares the cores. */
  loadAverage: number[];
  /** The commit measured, with "+dirty" when the work tree had changes. */
  commit: string;
}

/** The path of the Chromium the benchmark drives. */
export const CHROMIUM_PATH = Deno.env.get("PARLEY_CHROMIUM") || "/usr/bin/chromium";

/** Reads the machine stamp. */
export async function machineStamp(): Promise<MachineStamp> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const commit = await output("git", ["rev-parse", "--short", "HEAD"]) || "no commit";
  const dirty = (await output("git", ["status", "--porcelain"])).length > 0;
  return {
    date: new Date().toISOString(),
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryBytes: Number(meminfo.match(/^MemTotal:\s+(\d+) kB/m)?.[1] ?? NaN) * 1024,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    node: (await output("node", ["--version"])).replace(/^v/, "") || "not found",
    chromium: (await output(CHROMIUM_PATH, ["--version"])).replace(/\s+built on.*$/, "") ||
      "not found",
    loadAverage: Deno.loadavg().map((l) => Math.round(l * 100) / 100),
    commit: commit + (dirty ? "+dirty" : ""),
  };
}

/** What `command` prints, trimmed; empty when it is missing or fails. */
async function output(command: string, args: string[]): Promise<string> {
  try {
    const { success, stdout } = await new Deno.Command(command, { args, stderr: "null" }).output();
    return success ? new TextDecoder().decode(stdout).trim() : "";
  } catch {
    return "";
  }
}
