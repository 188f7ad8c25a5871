/**
 * The `group` part's figures (for the targets), its section of bench/README.md, and the lines of
 * docs/performance.md and the README written between markers from results.json alone; the part
 * itself is group.ts.
 *
 * @module
 */
import type { GroupResult, GroupRun, PersonSending } from "./group.ts";
import { ms, num, ratio, table, times } from "./format.ts";
import { medianOf, round } from "./stats.ts";

type Timed = { seesMs: number; bothMs: number };
const timed = (runs: GroupRun[], key: "floor" | "fourth") =>
  runs.map((r) => r[key]).filter((t): t is Timed => !("error" in t));
const sendings = (runs: GroupRun[]) => runs.flatMap((r) => ("error" in r.sending ? [] : r.sending));

/** The medians and extremes the section, the docs and the targets show. */
function summary(g: GroupResult) {
  const floor = timed(g.runs, "floor");
  const fourth = timed(g.runs, "fourth");
  const people = sendings(g.runs);
  const of = (pick: (p: PersonSending) => number) => people.map(pick);
  return {
    floorMs: medianOf(floor.map((t) => t.seesMs)),
    floorBothMs: medianOf(floor.map((t) => t.bothMs)),
    fourthMs: medianOf(fourth.map((t) => t.seesMs)),
    fourthBothMs: medianOf(fourth.map((t) => t.bothMs)),
    failed: g.runs.length - fourth.length,
    videoKbps: medianOf(of((p) => p.videoKbps)),
    videoMaxKbps: people.length ? Math.max(...of((p) => p.videoKbps)) : null,
    audioKbps: medianOf(of((p) => p.audioKbps)),
    cpuCores: people.length ? round(medianOf(of((p) => p.cpuCores * 100))! / 100, 2) : null,
    cpuMaxCores: people.length ? Math.max(...of((p) => p.cpuCores)) : null,
    heights: [...new Set(people.flatMap((p) => p.heights))].sort((a, b) => b - a),
  };
}

/** The part's flat figures, by key (results.ts `figuresOf`; targets.ts reads them). */
export function groupFigures(g: GroupResult | undefined | null): Record<string, number> {
  const f: Record<string, number> = {};
  if (!g) return f;
  const s = summary(g);
  const set = (key: string, value: number | null) => {
    if (value !== null) f[key] = value;
  };
  set("group.floor.p50Ms", s.floorMs);
  set("group.floorBoth.p50Ms", s.floorBothMs);
  set("group.fourth.p50Ms", s.fourthMs);
  set("group.fourthBoth.p50Ms", s.fourthBothMs);
  set("group.failed", s.failed);
  set("group.video.maxMbps", s.videoMaxKbps === null ? null : round(s.videoMaxKbps / 1000, 2));
  set("group.video.medianMbps", s.videoKbps === null ? null : round(s.videoKbps / 1000, 2));
  set("group.cpu.medianCores", s.cpuCores);
  return f;
}

const when = (g: GroupResult) =>
  `${g.ranAt.slice(0, 16).replace("T", " ")} UTC, \`${g.command}\`, commit ${g.commit}, ` +
  `load average ${num(g.loadAverage[0], 2)} → ${num(g.loadAverage[1], 2)}`;

/** The short table docs/performance.md shows. */
function shortTable(g: GroupResult): string {
  const s = summary(g);
  return table("measure|call of four|beside it, same run", [
    [
      `Join → video from all the others, p50 (${g.runs.length} runs)`,
      `fourth person: ${ms(s.fourthMs)} (both sides ${ms(s.fourthBothMs)})`,
      `second person in a call of two: ${ms(s.floorMs)} (both sides ${ms(s.floorBothMs)}); ` +
      `${times(ratio(s.fourthMs, s.floorMs))}`,
    ],
    [
      `upload per person, ${g.windowSeconds} s window`,
      `video median ${num(s.videoKbps)} kbit/s, most ${num(s.videoMaxKbps)} kbit/s; ` +
      `audio ${num(s.audioKbps)} kbit/s`,
      "target: video ≤ 2,500 kbit/s",
    ],
    [
      "browser CPU per person (the whole browser ÷ 4; 1 = one core)",
      `median ${num(s.cpuCores, 2)}, most ${num(s.cpuMaxCores, 2)}`,
      `pictures sent at ${s.heights.map((h) => `${h}p`).join(", ") || "—"}`,
    ],
  ]);
}

/** The part's section of bench/README.md. */
export function groupSection(g: GroupResult): string {
  const rows = g.runs.flatMap((run, i) => {
    const t = (x: GroupRun["floor"]) => ("error" in x ? x.error : ms(x.seesMs));
    const b = (x: GroupRun["floor"]) => ("error" in x ? "" : ms(x.bothMs));
    if ("error" in run.sending) {
      return [[
        String(i + 1),
        t(run.floor),
        b(run.floor),
        t(run.fourth),
        b(run.fourth),
        run.sending.error,
        "",
        "",
        "",
        "",
      ]];
    }
    return run.sending.map((p, j) => [
      j === 0 ? String(i + 1) : "",
      j === 0 ? t(run.floor) : "",
      j === 0 ? b(run.floor) : "",
      j === 0 ? t(run.fourth) : "",
      j === 0 ? b(run.fourth) : "",
      p.name,
      num(p.videoKbps),
      num(p.audioKbps),
      num(p.cpuCores, 2),
      p.heights.map((h, k) => `${h}p ${num(p.framesPerSecond[k])}/s`).join(", "),
    ]);
  });
  return `## Group calls: a call of four beside a call of two

Run ${when(g)}; ${g.durationSeconds} s.

Each person in a browser context of their own in one headless Chromium (as the group tests do),
every camera the same moving pattern at ${g.camera} (a scrolling checkerboard, with grain different in every frame of
its two-second loop: a picture the encoder spends its whole budget on). In each run, first a call of two (a room from
"Start a call"): the second person looks at their preview for a second, types their name and
presses Join; the clock stops at the first frame of the other's picture presented on their page
(\`requestVideoFrameCallback\`), and "both sides" when the other has shown theirs too. Then a group
call (a room from "Start a group call"): three people join and see each other moving, and the
fourth joins the same way, timed until they see all three (and all three see them). Once all four
see each other and a few seconds have passed, each person's upload over ${g.windowSeconds} s: the
outbound-rtp bytes of all their peer connections (RTP headers included), video and audio apart; the
picture each connection sends at the window's end; the browser's CPU time per second (all its
processes), shared out among the four.

${shortTable(g)}

${
    table(
      "run|call of two: second sees the first:|both sides:|call of four: fourth sees all three:|both sides:|person|video kbit/s:|audio kbit/s:|CPU (cores):|each connection's picture",
      rows,
    )
  }`;
}

/** The marker lines around the generated parts of docs/performance.md and the README. */
export const GROUP_START = "<!-- bench:group:start -->";
export const GROUP_END = "<!-- bench:group:end -->";
const GENERATED =
  "<!-- Generated from bench/results.json by `deno task bench` (or `--render`). -->";

/** The block docs/performance.md shows between its markers. */
export function groupDocsBlock(g: GroupResult): string {
  return `${GROUP_START}\n${GENERATED}\n\nMeasured ${when(g)}.\n\n${shortTable(g)}\n${GROUP_END}`;
}

/** The README's line between its markers. */
export function groupReadmeBlock(g: GroupResult): string {
  const s = summary(g);
  return `${GROUP_START}\n${GENERATED}\n\nMeasured on a shared 2-core machine (\`${g.command}\`): ` +
    `the fourth person of a group sees all three others ${ms(s.fourthMs)} after Join (p50; ` +
    `${times(ratio(s.fourthMs, s.floorMs))} the second person's ${
      ms(s.floorMs)
    } in a call of two), each person ` +
    `sends at most ${num(s.videoMaxKbps)} kbit/s of video and ${
      num(s.audioKbps)
    } kbit/s of audio ` +
    `to the three others, and the browser's CPU comes to ${
      num(s.cpuCores, 2)
    } of a core per person ` +
    `([docs/performance.md](docs/performance.md#group-calls)).\n${GROUP_END}`;
}

/** `text` with the block between `block`'s markers replaced; unchanged without markers. */
export function replaceGroupBlock(text: string, block: string): string {
  const start = text.indexOf(GROUP_START);
  const end = text.indexOf(GROUP_END);
  if (start < 0 || end < start) return text;
  return text.slice(0, start) + block + text.slice(end + GROUP_END.length);
}
