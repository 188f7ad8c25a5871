import assert from "node:assert/strict";
import { LINES_PER_SECOND, log, MAX_STRING, setLogSink } from "../../server/log.ts";

/** Runs `work` with log lines collected instead of printed. */
function collected(work: () => void): string[] {
  const lines: string[] = [];
  const previous = setLogSink((line) => lines.push(line));
  try {
    work();
  } finally {
    setLogSink(previous);
  }
  return lines;
}

Deno.test("log: attacker strings are cut and escaped", () => {
  const [line] = collected(() =>
    log("warn", "test.escape", {
      error: `\u202egnp.exe\u0000\u001b[31m\u2028\u200b\u3164${"x".repeat(20_000)}`,
    })
  );
  assert.ok(line.length < MAX_STRING * 7 + 200, `${line.length} characters`);
  // Nothing a terminal would act on or hide is written as itself.
  const acted = [...line].filter((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (code >= 0x200b && code <= 0x200f) ||
      (code >= 0x2028 && code <= 0x202e) || code === 0x3164;
  });
  assert.deepEqual(acted, []);
  const parsed = JSON.parse(line);
  assert.equal(parsed.error.length, MAX_STRING);
  assert.ok(parsed.error.startsWith("\u202egnp.exe\u0000\u001b[31m"), "the text is still there");
});

Deno.test("log: a flood of one event is bounded, and the next line says how many were dropped", () => {
  const started = Date.now();
  const lines = collected(() => {
    for (let i = 0; i < 10_000; i++) log("info", "test.flood", { i });
    log("info", "test.other");
  });
  const refilled = Math.ceil((Date.now() - started) * LINES_PER_SECOND / 1000);
  const flood = lines.filter((line) => line.includes("test.flood"));
  // Ten seconds' worth at once, and what came back while the flood went on.
  assert.ok(flood.length <= LINES_PER_SECOND * 10 + refilled, `${flood.length} lines`);
  assert.equal(lines.filter((line) => line.includes("test.other")).length, 1, "others unaffected");
  const later = collected(() => {
    const start = Date.now();
    while (Date.now() - start < 100) { /* let a few lines' allowance come back */ }
    log("info", "test.flood", { i: -1 });
  });
  assert.equal(JSON.parse(later[0]).suppressed, 10_000 - flood.length);
});
