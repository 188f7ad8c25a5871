/**
 * bench/README.md, written from a run's results alone: every figure, name and version in it comes
 * from results.json; the words around them say how things were measured, never what they came to.
 *
 * @module
 */
import { LOOK_MS, STEPS } from "./browser.ts";
import { type BenchResults, bestRound, callsOf } from "./results.ts";
import type { SignalingRun } from "./signaling.ts";
import type { Summary } from "./stats.ts";
import { judgeAll } from "./targets.ts";
import { kb, mib, ms, num, ratio, table, times } from "./format.ts";
import { cutsSection } from "./link_cut.ts";
import { conditionsSection } from "./conditions_report.ts";
import { effectsSection } from "./effects_report.ts";
import { groupSection } from "./group_report.ts";

const TARGETS = ["parley", "tutorial", "bare"] as const;
const NAMES = { parley: "Parley", tutorial: "tutorial design", bare: "bare relay" };
const CALLS: Record<string, string> = {
  floor: "in-page floor",
  "floor beside previews": "in-page floor, beside two camera previews",
  parley: "Parley",
  tutorial: "tutorial",
  "tutorial as written": "tutorial, its client as written",
};

/** The targets table: each target, what the run measured for it, met or not met. */
export function renderTargets(figures: Record<string, number | null>): string {
  const rows = judgeAll(figures).map((v) => {
    const value = v.value === null ? "—" : `${num(v.value)}${v.unit ? ` ${v.unit}` : ""}`;
    const measured = v.ratio === null ? value : `${value} vs ${num(v.baseline)}: ${times(v.ratio)}`;
    const verdict = v.met === null ? "not measured" : v.met ? "**met**" : "**not met**";
    return [`#${v.issue}`, v.name, measured, verdict];
  });
  return table("issue|target|measured|", rows);
}

function stamp(r: BenchResults): string {
  const m = r.machine;
  return `Run: ${m.date} (${r.mode}, ${r.durationSeconds} s), commit ${m.commit}.\n\n` + table(
    "CPU|cores|memory|kernel|Deno|Node|Chromium|load average, start → end",
    [[
      m.cpuModel,
      String(m.cores),
      `${num(m.memoryBytes / 2 ** 30)} GiB`,
      m.kernel,
      m.deno,
      m.node,
      m.chromium,
      `${m.loadAverage.join(" ")} → ${r.loadAverageAfter.join(" ")}`,
    ]],
  );
}

function callsSection(r: BenchResults): string {
  const floor = callsOf(r, "floor");
  const loaded = callsOf(r, "floor beside previews");
  const parley = callsOf(r, "parley");
  const rows = r.calls.map((c) => [
    CALLS[c.name] ?? c.name,
    `${c.connected}/${c.calls.length}`,
    ms(c.bothMs.p50),
    ms(c.bothMs.p95),
    c.name === "floor" ? "" : times(ratio(c.bothMs.p50, floor?.bothMs.p50)),
    c.name.startsWith("floor") ? "" : times(ratio(c.bothMs.p50, loaded?.bothMs.p50)),
    [...new Set(c.calls.filter((x) => !x.ok).map((x) => x.error))].join("; ") || "—",
  ]);
  const steps = STEPS.map(([step, _, floorStep]) => {
    const [one, two] = parley?.stepMedians[step] ?? [];
    return [step, ms(one), ms(two), floorStep ? ms(floor?.stepMedians[floorStep]?.[0]) : ""];
  });
  return `## Join to video, beside the in-page floor

The floor is what WebRTC itself needs: two RTCPeerConnections in one page hand each other their
descriptions and candidates directly, from \`createOffer\` until video shows on both sides. Parley:
the first person opens a room and joins; the second looks at their preview for ${LOOK_MS} ms, as a
person would, and the clock starts at their click on Join and stops when the remote video has shown
a frame on both sides. The tutorial's page has no Join (it offers as soon as it loads): its clock
starts when the second page starts loading. Each person has a browser context of their own; floor
and Parley calls alternate in one Chromium.

A call's two pages each show the person's camera before and during the call, and on this machine
the browser's work for those two previews slows WebRTC itself down: the second floor is the same
floor, measured while two other pages show the fake camera at the resolution Parley asks for (and
nothing else). The difference between the two floors is the browser's own, not Parley's.

${
    table(
      "|connected:|both sides, p50:|both sides, p95:|p50 ÷ floor:|p50 ÷ floor beside previews:|failures",
      rows,
    )
  }

Where Parley's time goes: medians in ms after the second person's Join, on each page (empty where a
page takes no such step after that Join), from hooks the benchmark puts in the pages:
RTCPeerConnection's events, the Socket.IO frames on the page's WebSocket, and the first frame each
remote video presents (\`requestVideoFrameCallback\`, whose metadata also gives when that frame's
last packet arrived and how long decoding took). The floor's column counts from \`createOffer\`. The
second person's offer is made before Join and goes with the \`join\` itself, so none is sent after it.

${table("step|first person:|second person:|floor:", steps)}`;
}

function pageSection(r: BenchResults): string {
  const pages = r.pageWeight.map(({ target, first, returning }) => {
    const rows = first.resources.map((x) => [
      `\`${x.path.replace(/^\/r\/.+$/, "/r/<id>")}\``,
      x.type,
      kb(x.transferBytes),
      kb(x.bodyBytes),
      x.encoding ?? "none",
      String(x.depth),
    ]);
    const decoded = first.resources.reduce((sum, x) => sum + x.bodyBytes, 0);
    rows.push([
      "**total**",
      "",
      `**${kb(first.transferBytes)}**`,
      kb(decoded),
      "",
      String(first.depth),
    ]);
    return `**${NAMES[target]}**: a returning visit (another room, same browser) transferred ` +
      `${kb(returning.transferBytes)} in ${returning.networkRequests} requests to the server.\n\n` +
      table("first visit|type|transferred:|decoded:|encoding|chain:", rows);
  });
  const cold = r.coldStart.map((
    c,
  ) => [c.name, ms(c.medianMs), c.runsMs.map((x) => num(x)).join(", ")]);
  return `## What a visitor downloads, and cold start

The call page loaded in a fresh Chromium context and read from the network as it loads (DevTools:
each response's size on the wire, headers included, its encoding, what requested it); then another
room in the same context. "Chain": how many requests deep a resource was found (1 the page, 2 what
the page names, 3 what those import). Signaling is left out.

${pages.join("\n\n")}

Cold start: spawning the server to its first \`200\` for \`GET /\`, median of the runs.

${table("started with|median:|runs, ms", cold)}`;
}

function rejoinSection(r: BenchResults): string {
  const j = r.rejoin!;
  const row = (name: string, s: Summary) => [name, ms(s.p50), ms(s.p99), ms(s.max), num(s.count)];
  const rows = [row("client rejoined", j.rejoinMs), row("both of a room rejoined", j.roomMs)];
  const seats = Object.entries(j.seats).map(([seat, n]) => `${num(n)} ${seat}`).join(", ");
  return `## Server restarted under ${num(j.clients)} clients

Socket.io clients, two per room, each joined; the server is stopped (SIGTERM) and a new one
started on the same port. The clients reconnect with the web client's backoff settings and join
again with their resume tokens; the clock starts when the new server prints its listen line.
Back in: ${num(j.rejoined)} of ${num(j.clients)} (seats: ${seats}); the server was away
${ms(j.downMs)}.

${table("server back →|p50:|p99:|max:|count:", rows)}`;
}

function signalingSection(r: BenchResults): string {
  const s = r.settings;
  const rooms = s.rooms.map((n) => {
    const runs = TARGETS.map((t) => bestRound(r, t, n));
    const [p, t, b] = runs;
    // A row of figures; `compare` adds Parley ÷ tutorial and Parley ÷ bare relay.
    type Format = (n: number) => string;
    const row = (
      name: string,
      get: (x: SignalingRun) => number,
      fmt: Format = num,
      compare = true,
    ) => [
      name,
      ...runs.map((x) => (x && !x.error ? fmt(get(x)) : "—")),
      ...[t, b].map((
        x,
      ) => (compare && p && !p.error && x && !x.error ? times(ratio(get(p), get(x))) : "")),
    ];
    const every = r.signaling.filter((x) => x.rooms === n).map((x) =>
      `${NAMES[x.target]} ${num(x.negotiationsPerSecond)} (others ${num(x.otherCpuPercent)}%)`
    );
    return `### ${num(n)} rooms\n\n` + table(
      "|Parley:|tutorial design:|bare relay:|Parley ÷ tutorial:|Parley ÷ bare:",
      [
        row("negotiations/s", (x) => x.negotiationsPerSecond),
        row("relay latency p50", (x) => x.latencyMs.p50, ms),
        row("relay latency p99", (x) => x.latencyMs.p99, ms),
        row("negotiation p50", (x) => x.negotiationMs.p50, ms),
        row("messages sent", (x) => x.sent, num, false),
        row("lost", (x) => x.lost, num, false),
        row("misdelivered", (x) => x.misdelivered, num, false),
        row("connections dropped", (x) => x.drops, num, false),
        row("server CPU, % of a core", (x) => x.serverCpuPercent, num, false),
        row("server CPU per negotiation", (x) => x.serverCpuMsPerNegotiation, ms),
        row("server RSS at the end", (x) => x.serverRssBytes, mib),
        row("other processes' CPU, %", (x) => x.otherCpuPercent, num, false),
      ],
    ) + `\n\nEvery round's negotiations/s: ${every.join("; ")}.`;
  });
  return `## Signaling throughput and latency

Parley beside the tutorial's server (express + socket.io on Node, every message broadcast to every
other socket; \`bench/tutorial/\`) and a bare WebSocket relay on \`Deno.serve\` that forwards each
frame to the other member of a pair and does nothing else (\`bench/bare_relay.ts\`). Each room is
two clients negotiating in a loop for ${s.durationMs / 1000} s after ${s.warmupMs / 1000} s of
warm-up: an offer, an answer, ten candidates each way; the next negotiation starts when both sides
hold everything. The clients run in a process of their own on the same cores. Relay latency: send
to receipt by the intended peer. Lost: sent, never received by the intended peer once a drain of
up to ${s.drainMs / 1000} s ends. Misdelivered: received by anyone else. Each server ran
${s.rounds} round(s) per room count, interleaved; the tables show each server's best round.

${rooms.join("\n\n")}`;
}

function capacitySection(r: BenchResults): string {
  const c = r.capacity!;
  const rows = c.levels.map((l) => [
    num(l.connections),
    mib(l.rssBytes),
    kb(l.bytesPerConnection),
    ...[l.joinMs.p50, l.joinMs.p99, l.connectAndJoinMs.p50, l.connectAndJoinMs.p99].map(ms),
    num(l.probeFailures),
  ]);
  const head = "held:|server RSS:|per connection:|join p50:|join p99:|connect + join p50:|" +
    "connect + join p99:|failed:";
  return `## Idle connections one Parley server holds

Connections opened two per room, each joined, then held. At each level the server's resident
memory is read and ${num(r.settings.joinProbes)} fresh clients connect and join, four at a time.
With none held: RSS ${mib(c.baselineRssBytes)}, join p50 ${ms(c.unloadedJoinMs.p50)}. The top level
was held ${c.holdMs / 1000} s more: ${num(c.drops)} dropped in all.

${table(head, rows)}`;
}

/** How long a call lasts in the capacity model: a number to state, not a measurement. */
const MODEL_CALL_MINUTES = 10;
/** The concurrent calls the capacity model is asked about. */
const MODEL_CALLS = 100_000;

function redisSection(r: BenchResults): string {
  const rows = r.redis.map(({ setup, run, redisCpuPercent }) => [
    setup,
    num(run.negotiationsPerSecond),
    ms(run.latencyMs.p50),
    ms(run.latencyMs.p99),
    num(run.serverCpuMsPerNegotiation, 2),
    `${num(redisCpuPercent)}%`,
    num(run.sent),
    num(run.lost),
    num(run.misdelivered),
  ]);
  const head = "setup|negotiations/s:|relay p50:|relay p99:|server CPU ms per negotiation:|" +
    "Redis CPU:|messages sent:|lost:|misdelivered:";
  const two = r.redis.find((x) => x.setup === "Redis, 2 instances");
  const memory = r.redis.find((x) => x.setup.startsWith("memory"));
  const perConnection = r.capacity?.levels.at(-1)?.bytesPerConnection;
  let model = "";
  if (two && memory && two.run.serverCpuMsPerNegotiation > 0) {
    const startsPerSecond = MODEL_CALLS / (MODEL_CALL_MINUTES * 60);
    const perCore = 1000 / two.run.serverCpuMsPerNegotiation;
    const cores = startsPerSecond / perCore;
    const redisShare = two.run.negotiationsPerSecond > 0
      ? (two.redisCpuPercent / 100) * (startsPerSecond / two.run.negotiationsPerSecond)
      : null;
    const memoryGiB = perConnection ? (2 * MODEL_CALLS * perConnection) / 2 ** 30 : null;
    const held = r.capacity?.levels.at(-1)?.connections;
    model = `

**Capacity model** (from the figures above; the call length is an assumption): on Redis a
negotiation costs ${num(two.run.serverCpuMsPerNegotiation, 2)} ms of server CPU (in memory
${num(memory.run.serverCpuMsPerNegotiation, 2)} ms, ${
      times(ratio(two.run.serverCpuMsPerNegotiation, memory.run.serverCpuMsPerNegotiation))
    }), so one core starts about ${num(perCore)} calls/s. Once started, a call costs the server
only its two connections' heartbeats: media and chat go peer to peer. ${num(MODEL_CALLS)} concurrent
calls of ${MODEL_CALL_MINUTES} minutes start about ${num(startsPerSecond)} calls/s: ${
      num(cores, 2)
    } of a core of call setup, spread over the instances; their ${num(2 * MODEL_CALLS)} connections
hold ${memoryGiB === null ? "—" : `about ${num(memoryGiB)} GiB`} at ${
      perConnection ? kb(perConnection) : "—"
    } each, so the instance count follows from connections rather than CPU: at the ${
      num(held)
    } connections one process held here, ${
      held ? num(Math.ceil((2 * MODEL_CALLS) / held), 0) : "—"
    } instances behind the load balancer. One Redis serves them: at that rate it would use about ${
      redisShare === null ? "—" : `${num(100 * redisShare)}%`
    } of a core (${num(two.redisCpuPercent)}% at ${num(two.run.negotiationsPerSecond)}
negotiations/s here), and holds a few hundred bytes per room.`;
  }
  return `## Parley on Redis

The signaling load above at ${num(r.redis[0]?.rooms)} rooms: one instance in memory, one on
Redis, two on one Redis with each room's two members on different instances (every relay crosses
Redis). Server CPU sums the instances.

${table(head, rows)}${model}`;
}

/** When the attacks ran, if not with the rest of the run (merged in on their own). */
function attacksWhen(r: BenchResults): string {
  const date = r.attacks?.[0]?.date;
  return date && !date.startsWith(r.machine.date.slice(0, 10))
    ? `\n\nMeasured on its own, ${date.slice(0, 16).replace("T", " ")} UTC.`
    : "";
}

function attacksSection(r: BenchResults): string {
  const control = r.attacks?.[0];
  const rows = (r.attacks ?? []).map((a) => [
    a.name,
    `${num(a.perSecond)}/s`,
    Object.entries(a.answers).map(([status, n]) => `${num(n)}× ${status}`).join(", "),
    ms(a.quietMs.p95),
    ms(a.attackedMs.p95),
    times(ratio(a.attackedMs.p95, a.quietMs.p95)),
    times(ratio(a.attackedMs.p95, control?.attackedMs.p95)),
    a.loadAverage === undefined ? "" : num(a.loadAverage, 1),
  ]);
  return `## Cheap requests beside a call

An honest pair relays a candidate every 50 ms, with nobody else about and then while an attacker
(a process of its own) sends the requests below; the two kinds of window alternate eight times,
each a quarter of a signaling run's window. Ordinary requests at the same rate are the control:
what any ten visitors a second cost, and how much the machine's own noise moves the ratio. Before
issue #24 a request with 2,000 empty headers cost the server 100–340 ms of CPU, and ten a second
pushed every call's relay p95 past half a second; now it is answered 431 for the CPU of an
ordinary request (1–2 ms).

${
    table(
      "attack|rate|answered|honest p95 alone|honest p95 during|ratio|during ÷ control's|load after",
      rows,
    )
  }${attacksWhen(r)}`;
}

/** The whole README. */
export function renderReadme(r: BenchResults): string {
  return [
    `# Benchmarks

Written by \`deno task bench\` from the run stamped below; raw figures in
[\`results.json\`](results.json). Absolute figures depend on the machine and on what else runs on
it (see the load averages); ratios compare what was measured in the same run.

**Reproduce:** \`deno task bench\` (needs Node for the tutorial fixture, whose npm packages it
installs on first use, and Chromium at \`/usr/bin/chromium\` or \`PARLEY_CHROMIUM\`). A smoke run:
\`deno task bench --quick\`; some parts: \`--only=browser,network,conditions,coldstart,rejoin,signaling\`
(\`--merge\` puts them into these results).
Those write to a temporary folder; only a full run replaces this file. The network part needs root
(network namespaces), as the network test does.

${stamp(r)}`,
    `## Targets\n\n${renderTargets(r.figures)}`,
    r.errors.length ? `Parts that failed: ${r.errors.join("; ")}.` : "",
    r.calls.length ? callsSection(r) : "",
    r.linkCuts?.length ? cutsSection(r) : "",
    r.conditions?.runs.length ? conditionsSection(r.conditions) : "",
    r.pageWeight.length + r.coldStart.length ? pageSection(r) : "",
    r.rejoin ? rejoinSection(r) : "",
    r.signaling.length ? signalingSection(r) : "",
    r.capacity ? capacitySection(r) : "",
    r.redis?.length ? redisSection(r) : "",
    r.attacks?.length ? attacksSection(r) : "",
    r.effects ? effectsSection(r.effects) : "",
    r.group?.runs.length ? groupSection(r.group) : "",
  ].filter(Boolean).join("\n\n") + "\n";
}
