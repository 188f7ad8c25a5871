/**
 * One JSON line per meaningful event, on stdout (errors on stderr), for an operator's log
 * collector: `{"time":"…","level":"info","event":"redis.ready",…}`.
 *
 * Privacy: callers pass counts, codes and reasons only, never SDP, addresses, room ids, session
 * ids or resume tokens. The fields are typed to make that the easy path (numbers, booleans and
 * short strings).
 *
 * Bounded, since a client can make the server log (a request that fails, say): every string is cut
 * to {@linkcode MAX_STRING} characters and escaped (JSON's escapes, plus the invisible and
 * direction-changing characters a terminal would act on), and each event may write
 * {@linkcode LINES_PER_SECOND} lines a second on average (a burst of ten seconds' worth); lines
 * over that are dropped, and the next line of that event says how many (`suppressed`).
 *
 * @module
 */

/** How much an event matters. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** What an event carries besides its name. */
export type LogFields = Record<string, string | number | boolean | null>;

/** Where log lines go; tests pass their own. */
export type LogSink = (line: string, level: LogLevel) => void;

const defaultSink: LogSink = (line, level) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

let sink: LogSink = defaultSink;

/** Sends log lines to `next` instead of the console (tests). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Longest string field, in characters. */
export const MAX_STRING = 200;
/** Lines one event may write a second, on average. */
export const LINES_PER_SECOND = 20;
const BURST = LINES_PER_SECOND * 10;

/** Each event's allowance of lines (events are the code's own names: a small, fixed set). */
const allowances = new Map<string, { tokens: number; at: number; dropped: number }>();

/** Writes one JSON log line for `event` (a dotted name, e.g. `join.refused`). */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  const now = Date.now();
  const allowance = allowances.get(event) ?? { tokens: BURST, at: now, dropped: 0 };
  allowances.set(event, allowance);
  allowance.tokens = Math.min(
    BURST,
    allowance.tokens + (now - allowance.at) * LINES_PER_SECOND / 1000,
  );
  allowance.at = now;
  if (allowance.tokens < 1) {
    allowance.dropped++;
    return;
  }
  allowance.tokens--;
  const line: Record<string, unknown> = { time: new Date(now).toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    line[key] = typeof value === "string" ? value.slice(0, MAX_STRING) : value;
  }
  if (allowance.dropped > 0) line.suppressed = allowance.dropped;
  allowance.dropped = 0;
  sink(escapeInvisible(JSON.stringify(line)), level);
}

/** What JSON leaves as is but a reader should see: C1 controls, bidi controls, invisible marks. */
const INVISIBLE =
  /[\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/g;

function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
