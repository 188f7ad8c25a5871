/**
 * CPU time and memory of a process, read from Linux's /proc.
 *
 * @module
 */

let ticksPerSecond: number | null = null;

/** Clock ticks per second for /proc/<pid>/stat (`getconf CLK_TCK`, 100 on Linux in practice). */
async function clockTicks(): Promise<number> {
  if (ticksPerSecond !== null) return ticksPerSecond;
  try {
    const { stdout } = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    ticksPerSecond = Number(new TextDecoder().decode(stdout).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** User + system CPU seconds `pid` has used so far (utime + stime of /proc/<pid>/stat). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / await clockTicks();
}

/** Resident memory of `pid` now and at its peak, in bytes (VmRSS, VmHWM of /proc/<pid>/status). */
export async function memory(pid: number): Promise<{ rssBytes: number; peakRssBytes: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (name: string) => {
    const match = status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) * 1024 : NaN;
  };
  return { rssBytes: kb("VmRSS"), peakRssBytes: kb("VmHWM") };
}

/** A CPU meter over an interval: `start()` then `stop()` gives the share of one core used. */
export class CpuMeter {
  #pid: number;
  #cpu0 = 0;
  #t0 = 0;

  constructor(pid: number) {
    this.#pid = pid;
  }

  /** Marks the start of the interval. */
  async start(): Promise<void> {
    this.#cpu0 = await cpuSeconds(this.#pid);
    this.#t0 = performance.now();
  }

  /** CPU seconds used since `start()` and that as a percentage of one core. */
  async stop(): Promise<{ cpuSeconds: number; percentOfCore: number }> {
    const used = await cpuSeconds(this.#pid) - this.#cpu0;
    const elapsed = (performance.now() - this.#t0) / 1000;
    return {
      cpuSeconds: Math.round(used * 100) / 100,
      percentOfCore: Math.round((used / elapsed) * 1000) / 10,
    };
  }
}

/** Busy CPU seconds of the whole machine so far, all cores (/proc/stat, all but idle and iowait). */
export async function machineBusySeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/stat");
  const fields = stat.split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / await clockTicks();
}
