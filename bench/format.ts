/**
 * How bench/README.md writes figures: numbers, durations, sizes, ratios and Markdown tables.
 *
 * @module
 */

/** `n` with thousands separators, "—" when missing. */
export function num(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || Number.isNaN(n)) return "—";
  if (n === Infinity) return "∞";
  return n.toLocaleString("en-US", { maximumFractionDigits: Math.abs(n) >= 100 ? 0 : digits });
}
export const ms = (n?: number | null) => (num(n) === "—" ? "—" : `${num(n)} ms`);
export const kb = (bytes: number) => `${num(bytes / 1024)} KB`;
export const mib = (bytes: number) => `${num(bytes / 2 ** 20, 0)} MiB`;
export const times = (n: number | null) => (n === null ? "" : `${num(n, n < 10 ? 2 : 1)}×`);
export const ratio = (a?: number | null, b?: number | null) =>
  a == null || b == null || Number.isNaN(a / b) ? null : b === 0 ? Infinity : a / b;

/** A Markdown table; `head` is its titles joined by "|", a title ending in ":" right-aligned. */
export function table(head: string, rows: string[][]): string {
  const titles = head.split("|");
  const rule = titles.map((t) => (t.endsWith(":") ? "---:" : "---"));
  return [titles.map((t) => t.replace(/:$/, "")), rule, ...rows]
    .map((row) => `| ${row.join(" | ")} |`).join("\n");
}
