/**
 * The network conditions part of the bench (`conditions.ts`) in words and tables: its figures for
 * the targets (medians over the runs), its section of bench/README.md, and the table of
 * docs/performance.md, written between markers from results.json alone.
 *
 * @module
 */
import { type ConditionResults, type ConditionRun, CONDITIONS } from "./conditions.ts";
import type { WindowFigures } from "./receive_watch.ts";
import { ms, num, ratio, table, times } from "./format.ts";
import { medianOf } from "./stats.ts";

type Kind = ConditionRun["kind"];

/** The median over the runs of `kind` under `condition` of what `pick` reads (null: none). */
function median(
  c: ConditionResults,
  condition: string,
  kind: Kind,
  pick: (run: ConditionRun) => number | null | undefined,
): number | null {
  const runs = c.runs.filter((r) => r.condition === condition && r.kind === kind && !r.error);
  return medianOf(runs.map((run) => {
    const value = pick(run);
    return value === undefined || (typeof value === "number" && Number.isNaN(value)) ? null : value;
  }));
}

const received = (key: keyof WindowFigures) => (run: ConditionRun) => run.received?.[key];
/** Audio concealed, in percent (the medians round to a tenth). */
const concealedPercent = (run: ConditionRun) => run.received ? 100 * run.received.concealed : null;
/** Condition over → full quality again; a run that never got there counts as the whole wait. */
const fullAfter = (c: ConditionResults) => (run: ConditionRun) =>
  run.fullAfterMs ?? c.recoveryWaitMs;
/** Condition on → the pause said on both sides (the later of the two); null: never. */
const pauseSaid = (run: ConditionRun) =>
  run.pauseSaid?.mine != null && run.pauseSaid.theirs != null
    ? Math.max(run.pauseSaid.mine, run.pauseSaid.theirs)
    : null;

/** The figures the targets read (`targets.ts`), by key: medians over the runs. */
export function conditionFigures(c: ConditionResults): Record<string, number> {
  const f: Record<string, number> = {};
  const set = (key: string, value: number | null) => {
    if (value !== null) f[key] = value;
  };
  let worstFull: number | null = null;
  for (const { id } of CONDITIONS) {
    for (const kind of ["parley", "floor"] as const) {
      const at = `conditions.${id}.${kind}`;
      set(`${at}.concealedPercent`, median(c, id, kind, concealedPercent));
      set(`${at}.longestAudioGapMs`, median(c, id, kind, received("longestAudioGapMs")));
      set(`${at}.longestUnsaidFreezeMs`, median(c, id, kind, received("longestUnsaidFreezeMs")));
      set(`${at}.fullAfterMs`, median(c, id, kind, fullAfter(c)));
    }
    set(`conditions.${id}.parley.pauseSaidMs`, median(c, id, "parley", pauseSaid));
    const full = f[`conditions.${id}.parley.fullAfterMs`];
    if (full !== undefined) worstFull = Math.max(worstFull ?? 0, full);
  }
  set("conditions.parley.slowestFullAfterMs", worstFull);
  return f;
}

const percent = (x: number | null) => (x === null ? "—" : `${num(100 * x)}%`);
const seconds = (x: number | null) => (x === null ? "—" : `${num(x / 1000)} s`);

/** One row per condition and kind: the medians over the runs. */
function rows(c: ConditionResults): string[][] {
  const out: string[][] = [];
  for (const { id, name } of CONDITIONS) {
    for (const kind of ["parley", "floor"] as const) {
      const runs = c.runs.filter((r) => r.condition === id && r.kind === kind);
      if (!runs.length) continue;
      const m = (pick: (run: ConditionRun) => number | null | undefined) =>
        median(c, id, kind, pick);
      const failed = runs.filter((r) => r.error).length;
      const freezes = m(received("freezes"));
      const freezeMs = m(received("freezeMs"));
      const said = kind === "parley" ? seconds(m(pauseSaid)) : "";
      out.push([
        kind === "parley" ? name : "",
        kind === "parley" ? "Parley" : "floor",
        `${runs.length - failed}/${runs.length}`,
        m(concealedPercent) === null ? "—" : `${num(m(concealedPercent))}%`,
        ms(m(received("longestAudioGapMs"))),
        `${num(freezes)} (${seconds(freezeMs)})`,
        ms(m(received("longestUnsaidFreezeMs"))),
        num(m(received("fps"))),
        `${num(m(received("height")))}p`,
        said,
        seconds(m((run) => run.fullAfterMs)) +
        (runs.some((r) => !r.error && r.fullAfterMs === null) ? " (some never)" : ""),
      ]);
    }
  }
  return out;
}

const HEAD = "condition|sender|runs:|audio concealed:|longest audio gap:|video freezes (time):|" +
  "longest freeze not said paused:|frames/s:|height:|pause said on both sides:|" +
  "condition over → full quality:";

/** How the part measured, for both documents. */
function method(c: ConditionResults): string {
  return `Person B's Chromium runs in a network namespace joined to the host by a veth pair (as in
\`tests/browser/network_fault_test.ts\`); A's runs on the host. B's link gets one condition at a
time (\`tests/helpers/link_conditions.ts\`): random loss of UDP packets both ways (iptables
\`statistic\`, dropped where they arrive), or B's uplink capped by \`tc tbf\` with a one-packet
bucket and a 200 ms queue. Each call starts on a clean link (the drop starts at 3 Mbit/s), runs
${c.warmupMs / 1000} s and until A receives at least 360p, then the condition starts; A's and B's
\`getStats()\` are read every 100 ms for ${c.windowMs / 1000} s (\`bench/receive_watch.ts\`): what
A receives from B is shown. Audio concealed: concealed samples as a share of the samples played;
an audio gap: a stretch in which at least 80% of what was played was concealed. Freezes: the
browser's \`freezeCount\` and \`totalFreezesDuration\`; "not said paused": freezes during which A's
page did not say B's video was paused. Full quality: A receives the height it had before the
condition, at 80% of its frame rate, for a second (waited for up to ${c.recoveryWaitMs / 1000} s;
a run that never got there counts as that wait in the medians). The floor: two bare pages with one
RTCPeerConnection each, camera and microphone, the browser's defaults, under the same condition in
the same run. Medians over the runs.`;
}

/** Which conditions came from earlier runs (merged), and when and how those ran. */
function earlierWords(c: ConditionResults): string {
  const names = (ids: string[]) =>
    ids.map((id) => CONDITIONS.find((x) => x.id === id)?.name ?? id).join("; ");
  return (c.earlier ?? []).map((e) =>
    ` Kept from an earlier run (${e.date.slice(0, 16).replace("T", " ")} UTC, \`${e.command}\`, ` +
    `commit ${e.commit}, load average ${e.loadAverage.join(" ")} at its start): ${
      names(e.conditions)
    }.`
  ).join("");
}

/** bench/README.md's section on the conditions. */
export function conditionsSection(c: ConditionResults): string {
  const each = c.runs.map((r) =>
    `${r.condition} ${r.kind}: ` + (r.error ? `failed (${r.error})` : [
      percent(r.received?.concealed ?? null),
      ms(r.received?.longestAudioGapMs),
      `full ${seconds(r.fullAfterMs)}`,
      r.pauseSaid ? `said ${seconds(pauseSaid(r))}` : "",
    ].filter(Boolean).join(", "))
  );
  const loss = CONDITIONS.filter((x) => x.during.loss).map((x) => {
    const parley = median(c, x.id, "parley", concealedPercent);
    const floor = median(c, x.id, "floor", concealedPercent);
    return `${x.name}: ${times(ratio(parley, floor))} the floor's concealment`;
  });
  return `## A call on a poor network, beside plain WebRTC

Run ${c.date}, commit ${c.commit}, \`${c.command}\` (${c.durationSeconds} s; load average
${c.loadAverage.join(" ")} → ${c.loadAverageAfter.join(" ")}).${earlierWords(c)}

${method(c)}

${table(HEAD, rows(c))}

${loss.join("; ")}.

Each run: ${each.join("; ")}.`;
}

/** The marker lines around the generated table in docs/performance.md. */
export const DOCS_START = "<!-- bench:conditions:start -->";
export const DOCS_END = "<!-- bench:conditions:end -->";

/** The block docs/performance.md shows between its markers. */
export function conditionsDocsBlock(c: ConditionResults): string {
  return `${DOCS_START}
<!-- Generated from bench/results.json by \`deno task bench\` (or \`--render\`): not by hand. -->

Measured ${c.date.slice(0, 10)} with \`${c.command}\` (${
    Math.round(c.durationSeconds / 60)
  } minutes, commit ${c.commit}, load average ${c.loadAverage.join(" ")} at the start).${
    earlierWords(c)
  }

${table(HEAD, rows(c))}
${DOCS_END}`;
}

/** `text` with the block between the markers replaced; unchanged when it has no markers. */
export function replaceDocsBlock(text: string, block: string): string {
  const start = text.indexOf(DOCS_START);
  const end = text.indexOf(DOCS_END);
  if (start < 0 || end < start) return text;
  return text.slice(0, start) + block + text.slice(end + DOCS_END.length);
}

/** The marker lines around the README's table. */
export const README_START = "<!-- bench:conditions-table:start -->";
export const README_END = "<!-- bench:conditions-table:end -->";

/** The README's table between its markers: the columns a person feels, each condition's medians. */
export function conditionsReadmeBlock(c: ConditionResults): string {
  // The full table's columns kept: condition, sender, audio concealed, longest freeze not said
  // paused, height, pause said on both sides, condition over → full quality.
  const keep = [0, 1, 3, 6, 8, 9, 10];
  const head = HEAD.split("|").filter((_, i) => keep.includes(i)).join("|");
  const body = rows(c).map((row) => row.filter((_, i) => keep.includes(i)));
  return `${README_START}
<!-- Generated from bench/results.json by \`deno task bench\` (or \`--render\`): not by hand. -->

${table(head, body)}
${README_END}`;
}

/** `text` with the README's table replaced; unchanged when it has no markers. */
export function replaceReadmeBlock(text: string, block: string): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) return text;
  return text.slice(0, start) + block + text.slice(end + README_END.length);
}
