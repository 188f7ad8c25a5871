/**
 * One JSON line per meaningful event, on stdout (errors on stderr), for an operator's log
 * collector: `{"time":"…","level":"info","event":"redis.ready",…}`.
 *
 * Privacy: callers pass counts, codes and reasons only, never SDP, addresses, room ids, session
 * ids or resume tokens. The fields are typed to make that the easy path (numbers, booleans and
 * short strings), and every string is cut to 200 characters.
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

/** Writes one JSON log line for `event` (a dotted name, e.g. `join.refused`). */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    line[key] = typeof value === "string" ? value.slice(0, 200) : value;
  }
  sink(JSON.stringify(line), level);
}
