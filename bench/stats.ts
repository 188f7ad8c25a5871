/**
 * Percentiles, and a process's CPU time and memory from Linux's /proc.
 *
 * @module
 */

/** Percentiles of a sample, in its unit; NaN when it is empty. */
export interface Summary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

/** p50, p95, p99 and max of `values` (nearest rank). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1), count: sorted.length };
}

/** The median (nearest rank) of the known `values`; null when none is known. */
export function medianOf(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v != null);
  return known.length ? summarize(known).p50 : null;
}

/** `value` rounded to `digits` decimals; NaN stays NaN. */
export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Milliseconds since the epoch with sub-millisecond precision: comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Linux counts /proc CPU times in clock ticks of 1/100 s (USER_HZ) on every architecture.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds `pid` has used so far (utime + stime of /proc/<pid>/stat). */
export async function cpuSeconds(pid: number | "self"): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of `pid` and every process below it (the browser: GPU, renderers, utility). */
export async function treeCpuSeconds(pid: number): Promise<number> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      parents.set(Number(entry.name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = (p: number): boolean =>
    p === pid || (parents.has(p) && p > 1 && inTree(parents.get(p)!));
  let total = 0;
  for (const p of parents.keys()) {
    if (inTree(p)) total += await cpuSeconds(p).catch(() => 0);
  }
  return total;
}

/** Busy CPU seconds of the whole machine so far, all cores (/proc/stat less idle and iowait). */
export async function machineBusySeconds(): Promise<number> {
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = (await Deno.readTextFile(
    "/proc/stat",
  )).split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Resident memory of `pid` now (VmRSS of /proc/<pid>/status), in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? NaN) * 1024;
}
