/**
 * The machine a benchmark ran on, stamped into every result: figures mean little without it.
 *
 * @module
 */

/** Hardware, software and load when the run started. */
export interface MachineStamp {
  date: string;
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  deno: string;
  node: string;
  chromium: string;
  /** 1, 5 and 15 minute load averages when the run started: other work shares the cores. */
  loadAverage: number[];
  /** The commit benchmarked, with "+dirty" when the work tree had changes. */
  commit: string;
}

/** Reads the machine stamp. */
export async function machineStamp(): Promise<MachineStamp> {
  const cpuinfo = await readOr("/proc/cpuinfo");
  const meminfo = await readOr("/proc/meminfo");
  const memKb = Number(meminfo.match(/^MemTotal:\s+(\d+) kB/m)?.[1] ?? NaN);
  const commit = await output("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = (await output("git", ["status", "--porcelain"])).length > 0;
  return {
    date: new Date().toISOString(),
    hostname: Deno.hostname(),
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryBytes: memKb * 1024,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    node: (await output("node", ["--version"])).replace(/^v/, "") || "not found",
    chromium: (await output(Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium", ["--version"]))
      .replace(/\s+built on.*$/, "") || "not found",
    loadAverage: Deno.loadavg().map((l) => Math.round(l * 100) / 100),
    commit: (commit || "no commit yet") + (dirty ? "+dirty" : ""),
  };
}

async function readOr(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

async function output(command: string, args: string[]): Promise<string> {
  try {
    const { success, stdout } = await new Deno.Command(command, {
      args,
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout).trim() : "";
  } catch {
    return "";
  }
}
