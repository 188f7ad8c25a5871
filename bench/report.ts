/**
 * Turns a run's results into bench/README.md: the machine, the targets from issue 4 with met or
 * missed (and why, from the figures), one table per part, and how it was measured.
 *
 * @module
 */
import { loadConfig } from "../server/config.ts";
import type { BrowserResult } from "./browser_bench.ts";
import type { BenchResults } from "./results.ts";
import type { SignalingRun } from "./signaling_bench.ts";
import type { Target } from "./signal_clients.ts";

const NAMES: Record<Target, string> = {
  parley: "Parley",
  tutorial: "tutorial design",
  bare: "bare relay",
};

/** Parley's heartbeat as `deno task start` runs it (the bench sets none of its variables). */
const HEARTBEAT = loadConfig(() => undefined);

/** A target of the issue, judged. */
export interface Verdict {
  target: string;
  measured: string;
  met: boolean | null;
  /** Why, when missed (or not measured). */
  why?: string;
}

/** The README for `results`. */
export function renderReadme(results: BenchResults): string {
  const verdicts = judge(results);
  const out: string[] = [];
  const m = results.machine;
  out.push(
    "# Benchmarks",
    "",
    "Parley against the stack it replaces — the WebRTC tutorial's server (express + socket.io on",
    "Node, every message broadcast to every other socket; `shared/seed/webrtc_tutorial.md`, built",
    "in `bench/tutorial/`) — and against the floor, a bare WebSocket relay on `Deno.serve` that",
    "forwards each frame to the other member of a pair and does nothing else",
    "(`bench/bare_relay.ts`).",
    "",
    "This file is written by the benchmark; every figure below comes from the run stamped here.",
    "Raw figures: [`results.json`](results.json).",
    "",
    "**Reproduce:** `deno task bench` (about " +
      `${Math.max(1, Math.round(results.durationSeconds / 60))} min here; ` +
      "it installs the tutorial fixture's npm packages itself on first use, and needs Node and",
    "`/usr/bin/chromium` or `CHROMIUM_PATH`). A smoke run of every part: `deno task bench --quick`.",
    "One part: `deno task bench --only=signaling` (also `capacity`, `browser`, `download`). Those",
    "two write to a temporary folder; only a full run replaces this file.",
    "",
    `Run: ${m.date} (${results.mode}, ${results.durationSeconds} s), commit ${m.commit}.`,
    "",
    "| machine | CPU | cores | memory | kernel | Deno | Node | Chromium | load average at start → end |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${m.hostname} | ${m.cpuModel} | ${m.cores} | ${gib(m.memoryBytes)} | ${m.kernel} | ` +
      `${m.deno} | ${m.node} | ${m.chromium} | ${m.loadAverage.join(" ")} → ` +
      `${results.loadAverageAfter.join(" ")} |`,
    "",
    ...busyWarning(results),
    "## Targets (issue 4)",
    "",
    "| target | measured | |",
    "| --- | --- | --- |",
    ...verdicts.map((v) =>
      `| ${v.target} | ${v.measured} | ${
        v.met === null ? "not measured" : v.met ? "**met**" : "**missed**"
      } |`
    ),
    "",
  );
  const explained = verdicts.filter((v) => v.why);
  if (explained.length > 0) {
    out.push("Where a target is missed or not measured, why:", "");
    for (const v of explained) out.push(`- **${v.target}**: ${v.why}`);
    out.push("");
  }
  if (results.errors.length > 0) {
    out.push("Parts that failed to run:", "", ...results.errors.map((e) => `- ${e}`), "");
  }
  out.push(...signalingSection(results), ...capacitySection(results));
  out.push(...browserSection(results), ...downloadSection(results), ...method(results));
  return out.join("\n") + "\n";
}

/** The round of `target` at `rooms` with the most negotiations per second. */
export function best(
  results: BenchResults,
  target: Target,
  rooms: number,
): SignalingRun | undefined {
  const runs = results.signaling.filter((r) => r.target === target && r.rooms === rooms);
  const rate = (r: SignalingRun) => r.load?.negotiationsPerSecond ?? -1;
  return runs.reduce<SignalingRun | undefined>(
    (top, run) => (top === undefined || rate(run) > rate(top) ? run : top),
    undefined,
  );
}

/** A warning when other work took a good share of the cores during the signaling windows. */
function busyWarning(results: BenchResults): string[] {
  const shown = results.settings.rooms.flatMap((rooms) =>
    (["parley", "tutorial", "bare"] as Target[]).map((t) => best(results, t, rooms))
  );
  const others = shown.map((r) => r?.otherPercentOfCore ?? 0);
  const worst = Math.max(0, ...others);
  if (worst < 20) return [];
  return [
    `**Note:** other processes on this machine used up to ${pct(worst)} of a core during the ` +
    'signaling windows (see "other processes\' CPU" below), so throughput figures are lower ' +
    "and latencies higher than on an idle machine; ratios between runs taken at different " +
    "moments are less exact.",
    "",
  ];
}

/** Judges each target of the issue against the figures. */
export function judge(results: BenchResults): Verdict[] {
  const verdicts: Verdict[] = [];
  const parleyRuns = results.signaling.filter((r) => r.target === "parley");
  const top = Math.max(0, ...results.settings.rooms);
  const at = (target: Target) => best(results, target, top);

  if (parleyRuns.length === 0) {
    verdicts.push({ target: "Zero lost, zero misdelivered (Parley)", measured: "—", met: null });
  } else {
    const sent = sum(parleyRuns.map((r) => r.load?.sent ?? 0));
    const lost = sum(parleyRuns.map((r) => r.load?.lost ?? 0));
    const wrong = sum(parleyRuns.map((r) => r.load?.misdelivered ?? 0));
    const failed = parleyRuns.filter((r) => !r.load);
    const verdict: Verdict = {
      target: "Zero lost, zero misdelivered (Parley)",
      measured: `${int(lost)} lost, ${int(wrong)} misdelivered of ${int(sent)} messages ` +
        `(all ${parleyRuns.length} runs, ${
          [...new Set(parleyRuns.map((r) => r.rooms))].map(int).join(" and ")
        } rooms)`,
      met: lost === 0 && wrong === 0 && failed.length === 0,
    };
    if (!verdict.met) verdict.why = lossReason(parleyRuns);
    verdicts.push(verdict);
  }

  const parley = at("parley")?.load;
  const tutorial = at("tutorial")?.load;
  const bare = at("bare")?.load;
  if (parley && tutorial) {
    const ratio = parley.negotiationsPerSecond / tutorial.negotiationsPerSecond;
    const verdict: Verdict = {
      target: `At ${int(top)} rooms, Parley ≥ 3× the tutorial design's negotiations/s`,
      measured: `${num(parley.negotiationsPerSecond)} vs ${num(tutorial.negotiationsPerSecond)}/s` +
        ` = ${times(ratio)}` +
        (tutorial.windowNegotiations === 0
          ? ` (the tutorial design completed none in ${secs(tutorial.windowMs)})`
          : ""),
      met: ratio >= 3,
    };
    if (!verdict.met) {
      verdict.why = `the tutorial design reached ${num(tutorial.negotiationsPerSecond)}/s.`;
    }
    verdicts.push(verdict);
  } else {
    verdicts.push({
      target: `At ${int(top)} rooms, Parley ≥ 3× the tutorial design's negotiations/s`,
      measured: "—",
      met: null,
    });
  }
  if (parley && bare) {
    const slower = bare.negotiationsPerSecond / parley.negotiationsPerSecond;
    const verdict: Verdict = {
      target: `At ${int(top)} rooms, Parley within 2× of the bare relay`,
      measured: `${num(parley.negotiationsPerSecond)} vs ${num(bare.negotiationsPerSecond)}/s: ` +
        `Parley at ${Math.round(100 / slower)}% of the bare relay's rate (2× means 50%)`,
      met: slower <= 2,
    };
    if (!verdict.met) verdict.why = bareReason(at("parley")!, at("bare")!);
    verdicts.push(verdict);
  } else {
    verdicts.push({
      target: `At ${int(top)} rooms, Parley within 2× of the bare relay`,
      measured: "—",
      met: null,
    });
  }

  const capacity = results.capacity;
  const wanted = Math.max(0, ...results.settings.capacityLevels);
  if (capacity) {
    const verdict: Verdict = {
      target: `${int(wanted)} idle connections`,
      measured: `${int(capacity.maxHeld)} held, ${int(capacity.drops)} dropped ` +
        `(top level held ${secs(capacity.finalHoldMs)} more after its join probes)`,
      met: capacity.maxHeld >= wanted && capacity.drops === 0 && !capacity.error,
    };
    if (!verdict.met) verdict.why = capacity.error ?? `${capacity.drops} connections dropped.`;
    verdicts.push(verdict);
  } else {
    verdicts.push({ target: `${int(wanted)} idle connections`, measured: "—", met: null });
  }

  const call = results.browser.find((b) => b.target === "parley");
  const calls = results.settings.calls;
  if (call?.available) {
    const verdict: Verdict = {
      target: `${calls} of ${calls} browser calls connect`,
      measured: `${call.successes}/${call.calls}` +
        (call.setupMs ? `, p50 ${ms(call.setupMs.p50)}, p95 ${ms(call.setupMs.p95)}` : ""),
      met: call.successes === calls && call.calls === calls,
    };
    if (!verdict.met) verdict.why = failures(call) || call.reason;
    verdicts.push(verdict);
  } else {
    verdicts.push({
      target: `${calls} of ${calls} browser calls connect`,
      measured: "—",
      met: null,
      why: call?.reason ?? "the browser part did not run.",
    });
  }

  const weight = results.pageWeight.find((w) => w.target === "parley");
  if (weight) {
    const js = weight.totals.js.gzipBytes;
    const verdict: Verdict = {
      target: "Call JS ≤ 45 KB gzip",
      measured: `${kb(js)} gzip (${kb(weight.totals.js.bytes)} minified)`,
      met: js <= 45 * 1024,
    };
    if (!verdict.met) {
      verdict.why = `the call page's scripts: ${
        weight.assets.filter((a) => a.kind === "js").map((a) => `${a.path} ${kb(a.gzipBytes)}`)
          .join(", ")
      }.`;
    }
    verdicts.push(verdict);
  } else {
    verdicts.push({ target: "Call JS ≤ 45 KB gzip", measured: "—", met: null });
  }
  return verdicts;
}

function lossReason(runs: SignalingRun[]): string {
  const parts: string[] = [];
  for (const run of runs) {
    if (!run.load) {
      parts.push(`the ${int(run.rooms)}-room run failed (${run.error}).`);
      continue;
    }
    const l = run.load;
    if (l.lost === 0 && l.misdelivered === 0) continue;
    const reasons = Object.entries(l.dropReasons).map(([r, n]) => `${n}× "${r}"`).join(", ");
    parts.push(
      `at ${int(run.rooms)} rooms ${int(l.lost)} messages never reached their peer` +
        (l.drops > 0
          ? `: ${int(l.drops)} client connections were closed mid-run (${reasons}). ` +
            `Parley's default heartbeat (ping every ${secs(HEARTBEAT.pingIntervalMs)}, ` +
            `${secs(HEARTBEAT.pingTimeoutMs)} to answer; PING_INTERVAL_MS, PING_TIMEOUT_MS) ` +
            `drops a client whose pong waits behind queued messages longer ` +
            `than that, and the relay latency reached p99 ${ms(l.latencyMs.p99)}, max ` +
            `${ms(l.latencyMs.max)}, with server and load generator saturating the two cores` +
            ((run.otherPercentOfCore ?? 0) >= 20
              ? ` and other processes taking ${pct(run.otherPercentOfCore!)} of a core. `
              : ". ") +
            "Parley's web client reconnects, reclaims its seat and renegotiates after such a " +
            "drop; the load generator does not reconnect, so what was in flight counts as lost."
          : l.drained
          ? "."
          : ` (${l.stalledPairs} pairs still waiting when the ${secs(run.load.windowMs)} ` +
            "window's drain ended).") +
        (l.misdelivered > 0 ? ` ${int(l.misdelivered)} reached the wrong client: a bug.` : ""),
    );
  }
  return parts.join(" ");
}

function bareReason(parley: SignalingRun, bare: SignalingRun): string {
  const p = parley.load!;
  const b = bare.load!;
  const perNegotiation = (run: SignalingRun) =>
    run.server && run.load && run.load.windowNegotiations > 0
      ? (run.server.cpuSeconds * 1000) / run.load.windowNegotiations
      : NaN;
  return `both relays share this machine's two cores with one load-generator process. The bare ` +
    `relay forwards each WebSocket frame without reading it; Parley decodes each Socket.IO ` +
    `packet, checks the sender is seated, validates the payload against ` +
    `protocol/signaling.ts and re-encodes it for the peer. Server CPU per ` +
    `negotiation: Parley ${perNegotiation(parley).toFixed(2)} ms, bare relay ` +
    `${perNegotiation(bare).toFixed(2)} ms (server at ${parley.server?.percentOfCore}% vs ` +
    `${bare.server?.percentOfCore}% of a core). The client side costs more too: the load ` +
    `generator used ${parley.loadGenerator?.percentOfCore}% of a core driving Parley through ` +
    `socket.io-client (packet encoding and decoding, heartbeats) against ${bare.loadGenerator?.percentOfCore}% ` +
    `driving the bare relay through plain ws, for ${num(p.negotiationsPerSecond)} vs ` +
    `${num(b.negotiationsPerSecond)} negotiations/s.`;
}

function failures(result: BrowserResult): string {
  const counts = new Map<string, number>();
  for (const o of result.outcomes) {
    if (!o.ok) counts.set(o.error ?? "failed", (counts.get(o.error ?? "failed") ?? 0) + 1);
  }
  return [...counts].map(([e, n]) => `${n}× ${e}`).join("; ");
}

function signalingSection(results: BenchResults): string[] {
  if (results.signaling.length === 0) return [];
  const s = results.settings;
  const out = [
    "## 1. Signaling throughput and latency",
    "",
    `Each room is two clients negotiating in a loop for ${secs(s.durationMs)} (after ` +
    `${secs(s.warmupMs)} of warm-up): an offer (~4.4 KB of SDP), an answer (~4 KB), ten ICE ` +
    "candidates each way; the next negotiation starts when both sides hold everything. Relay " +
    "latency is send to receipt by the intended peer (a timestamp inside the payload). " +
    `\"Lost\" is sent but never received by the intended peer once a ${secs(s.drainMs)} drain ` +
    'after the window ends. "Misdelivered" is received by any other client.',
    "",
  ];
  if (s.rounds > 1) {
    out.push(
      `Each server ran ${s.rounds} rounds at each room count, interleaved; the tables show each ` +
        "server's best round by negotiations/s (the one least disturbed by other work on the " +
        "machine). Every round's negotiations/s:",
      "",
      ...s.rooms.flatMap((rooms) =>
        (["parley", "tutorial", "bare"] as Target[]).map((t) =>
          `- ${int(rooms)} rooms, ${NAMES[t]}: ${
            results.signaling.filter((r) => r.target === t && r.rooms === rooms)
              .map((r) =>
                r.load
                  ? `${num(r.load.negotiationsPerSecond)} (others ${
                    pct(r.otherPercentOfCore ?? 0)
                  })`
                  : "failed"
              ).join(", ")
          }`
        )
      ),
      "",
      "Lost and misdelivered counts for the target above cover every round.",
      "",
    );
  }
  for (const rooms of s.rooms) {
    const runs = (["parley", "tutorial", "bare"] as Target[]).map((t) => best(results, t, rooms));
    const [p, t, b] = runs;
    out.push(
      `### ${int(rooms)} rooms (${int(2 * rooms)} clients)`,
      "",
      "| | Parley | tutorial design | bare relay | Parley ÷ tutorial | Parley ÷ bare |",
      "| --- | --: | --: | --: | --: | --: |",
    );
    const row = (
      label: string,
      value: (r: SignalingRun) => number | undefined,
      show: (v: number) => string,
      ratio: "higher" | "lower" | null,
    ) => {
      const v = runs.map((r) => (r?.load ? known(value(r)) : undefined));
      const cell = (x: number | undefined) => (x === undefined ? "—" : show(x));
      const rel = (a?: number, c?: number) =>
        ratio && a !== undefined && c !== undefined ? ratioText(a, c, ratio) : "";
      out.push(
        `| ${label} | ${cell(v[0])} | ${cell(v[1])} | ${cell(v[2])} | ${rel(v[0], v[1])} | ` +
          `${rel(v[0], v[2])} |`,
      );
    };
    row("negotiations/s", (r) => r.load!.negotiationsPerSecond, num, "higher");
    row("relay latency p50", (r) => r.load!.latencyMs.p50, ms, "lower");
    row("relay latency p99", (r) => r.load!.latencyMs.p99, ms, "lower");
    row("negotiation time p50", (r) => r.load!.negotiationMs.p50, ms, "lower");
    row("messages sent", (r) => r.load!.sent, int, null);
    row("delivered to the intended peer", (r) => r.load!.delivered, int, null);
    row("lost", (r) => r.load!.lost, int, null);
    row("misdelivered", (r) => r.load!.misdelivered, int, null);
    row("connections dropped", (r) => r.load!.drops, int, null);
    row("server CPU, % of one core", (r) => r.server?.percentOfCore, pct, null);
    row(
      "server CPU per negotiation",
      (r) =>
        r.server && r.load!.windowNegotiations > 0
          ? (r.server.cpuSeconds * 1000) / r.load!.windowNegotiations
          : NaN,
      (x) => `${x.toFixed(2)} ms`,
      "lower",
    );
    row("server RSS at the end", (r) => r.server?.rssBytes, mib, "lower");
    row("load generator CPU, % of one core", (r) => r.loadGenerator?.percentOfCore, pct, null);
    row("other processes' CPU, % of one core", (r) => r.otherPercentOfCore ?? undefined, pct, null);
    out.push("");
    const notes: string[] = [];
    for (const run of [p, t, b]) {
      if (!run) continue;
      if (run.error) notes.push(`${NAMES[run.target]}: ${run.error}.`);
      const l = run.load;
      if (l && !l.drained) {
        notes.push(
          `${NAMES[run.target]}: ${int(l.stalledPairs)} of ${int(rooms)} pairs were still ` +
            `mid-negotiation when the drain ended; what they had not received counts as lost.`,
        );
      }
      if (l && l.windowNegotiations === 0) {
        notes.push(
          `${NAMES[run.target]}: no negotiation completed within the window; latency covers ` +
            `the ${int(l.latencyMs.count)} messages that arrived in it.`,
        );
      }
    }
    if (t?.load && t.load.misdelivered > 0) {
      notes.push(
        `The tutorial design broadcasts each message to all ${int(2 * rooms - 1)} other ` +
          `sockets: ${int(t.load.misdelivered)} deliveries went to clients outside the ` +
          "sender's room — other people's offers and network addresses. Deliveries to the " +
          "intended peer are still counted as delivered.",
      );
    }
    if (notes.length > 0) out.push(...notes.map((n) => `- ${n}`), "");
  }
  return out;
}

function capacitySection(results: BenchResults): string[] {
  const c = results.capacity;
  if (!c) return [];
  const out = [
    "## 2. Capacity: idle connections to Parley",
    "",
    "Connections opened two per room, each joined, then held (Parley's heartbeat runs " +
    "throughout). At each level the server's resident memory is read and " +
    `${results.settings.joinProbes} fresh clients connect and join, four at a time. ` +
    `Server RSS with no connections: ${mib(c.baselineRssBytes)}; join with nothing else ` +
    `connected: p50 ${ms(c.unloadedJoinMs?.p50)}, p99 ${ms(c.unloadedJoinMs?.p99)}.`,
    "",
    "| held connections | server RSS | RSS per connection | join p50 | join p99 | connect + join p50 | connect + join p99 | dropped |",
    "| --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const level of c.levels) {
    out.push(
      `| ${int(level.connections)} | ${mib(level.rssBytes)} | ` +
        `${(level.bytesPerConnection / 1024).toFixed(1)} KB | ${ms(level.joinMs?.p50)} | ` +
        `${ms(level.joinMs?.p99)} | ${ms(level.connectAndJoinMs?.p50)} | ` +
        `${ms(level.connectAndJoinMs?.p99)} | ${int(level.drops)} |`,
    );
  }
  out.push(
    "",
    `After the top level's probes the connections were held ${secs(c.finalHoldMs)} more: ` +
      `${int(c.drops)} dropped in all.` + (c.error ? ` Stopped early: ${c.error}` : ""),
    "",
  );
  return out;
}

function browserSection(results: BenchResults): string[] {
  if (results.browser.length === 0) return [];
  const out = [
    "## 3. Call setup in headless Chromium",
    "",
    "Each user in a browser context of their own; calls one after another on one server. " +
    "Parley: the first user presses Start a call and Join; the second opens the link and the " +
    "clock starts at their Join click. The tutorial's page has no Join — it offers as soon as " +
    "it loads — so the clock starts when the second user's page starts loading. Stopped at " +
    "the first decoded remote frame (`getVideoPlaybackQuality().totalVideoFrames > 0`) on " +
    `each side, within ${secs(results.settings.callTimeoutMs)}.`,
    "",
    "| app | connected | both sides, p50 | both sides, p95 | first user p50 | second user p50 | failures |",
    "| --- | --: | --: | --: | --: | --: | --- |",
  ];
  for (const b of results.browser) {
    const name = b.target === "parley"
      ? "Parley"
      : b.variant
      ? "tutorial, client exactly as written"
      : "tutorial (its two fatal slips fixed, see below)";
    if (!b.available) {
      out.push(`| ${name} | ${b.reason ?? "not available"} | | | | | |`);
      continue;
    }
    out.push(
      `| ${name} | ${b.successes}/${b.calls} | ${ms(b.setupMs?.p50)} | ${ms(b.setupMs?.p95)} | ` +
        `${ms(b.firstUserMs?.p50)} | ${ms(b.secondUserMs?.p50)} | ${failures(b) || "—"} |`,
    );
  }
  out.push(
    "",
    "The tutorial's client is assembled in `bench/tutorial/public/` from the document's " +
      "snippets in its order. As written it cannot run: it never creates `socket`, and it " +
      "declares `remoteStream` but then uses `remote`, which throws at load before any offer " +
      'is sent (the "exactly as written" row adds only `socket`). The other row fixes both ' +
      "slips and nothing else; it keeps the public STUN server the document names, which is " +
      "unreachable from this machine (no internet), so only host candidates are gathered — " +
      "enough on loopback. It connects here because these calls are alone on their server and " +
      "Chromium rolls the first page's unanswered offer back when the second page's offer " +
      "arrives; with other calls on the same server every page would receive every other " +
      "call's offers and candidates (see the misdelivered counts above).",
    "",
  );
  return out;
}

function downloadSection(results: BenchResults): string[] {
  if (results.pageWeight.length === 0 && results.coldStart.length === 0) return [];
  const out = [
    "## 4. What a visitor downloads, and cold start",
    "",
    "The call page's HTML, every script and style sheet it references, and the modules those " +
    "scripts import statically (bundle chunks), gzip-compressed (zlib's default level, what a " +
    'compressing server or proxy sends). Neither server compresses by itself; "as served" is ' +
    "what crosses the wire today.",
    "",
    "| app | page | HTML gzip | JS gzip | CSS gzip | total gzip | total as served |",
    "| --- | --- | --: | --: | --: | --: | --: |",
  ];
  for (const w of results.pageWeight) {
    out.push(
      `| ${w.target === "parley" ? "Parley" : "tutorial"} | \`${
        w.target === "parley" ? "/r/<id>" : w.page
      }\` + ${w.assets.slice(1).map((a) => `\`${a.path}\``).join(", ")} | ` +
        `${kb(w.totals.html.gzipBytes)} | ${kb(w.totals.js.gzipBytes)} | ` +
        `${w.totals.css.bytes === 0 ? "none" : kb(w.totals.css.gzipBytes)} | ` +
        `${kb(w.totals.all.gzipBytes)} | ${kb(w.totals.all.bytes)} |`,
    );
  }
  const lazy = results.pageWeight.flatMap((w) =>
    (w.onDemand ?? []).map((a) => `\`${a.path}\` (${kb(a.gzipBytes)} gzip, ${w.target})`)
  );
  if (lazy.length > 0) {
    out.push(
      "",
      `Imported only dynamically, so not loaded with the page and not counted: ${lazy.join(", ")}.`,
    );
  }
  if (results.coldStart.length > 0) {
    out.push(
      "",
      "Cold start: spawning the server to the first `200` for `GET /` (polled every 5 ms), " +
        "median of the runs. `deno task start` includes its check that the client bundle is " +
        "up to date.",
      "",
      "| started with | median | runs |",
      "| --- | --: | --- |",
      ...results.coldStart.map((c) =>
        `| ${c.name} | ${ms(c.medianMs)} | ${c.runsMs.map((r) => r.toFixed(0)).join(", ")} ms` +
        (c.runsThatBuilt > 0 ? ` (${c.runsThatBuilt} built the bundle first)` : "") + " |"
      ),
    );
  }
  out.push("");
  return out;
}

function method(results: BenchResults): string[] {
  return [
    "## How it is measured, and what to keep in mind",
    "",
    "- Servers run as their own processes on 127.0.0.1: Parley exactly as `deno task start` " +
    "runs it (flags read from deno.json), the tutorial with `node server.js`, the bare relay " +
    "with `deno run bench/bare_relay.ts`. Each signaling run gets a fresh server.",
    "- Clients run in one separate load-generator process (`bench/signaling_load.ts`, " +
    "`bench/capacity_load.ts`) on the same two cores as the server: the figures are what this " +
    "whole machine does, client and server together. socket.io-client (WebSocket transport " +
    "only, no long-polling) for Parley and the tutorial, npm:ws for the bare relay.",
    "- Every message carries its room, sender, sequence number and send time inside the SDP's " +
    "`s=` line or at the end of the candidate line, so it survives Parley's validation and " +
    "costs every server the same bytes; each receipt is checked against the receiver's room.",
    "- CPU is utime + stime from `/proc/<pid>/stat` over the measurement window; memory is " +
    "VmRSS from `/proc/<pid>/status`.",
    "- The bare relay's clients use npm:ws, not Deno's built-in WebSocket: Deno's client " +
    "leaves Nagle's algorithm on, and a second frame sent in a row then waits ~40 ms for the " +
    "first one's acknowledgement, which would make the floor look slow for no reason of its own.",
    "- The tutorial design at 1,000 rooms broadcasts every message to 1,999 sockets: the run is " +
    "bounded by the same window and drain as the others, and the table shows what it achieved " +
    "in that time.",
    "- This machine's cores may be shared with other work: the load averages at the top and " +
    "the \"other processes' CPU\" rows (the machine's busy time over each window, less the " +
    "server and the load generator) say how much. Figures taken while others used a good part " +
    "of a core are low; rerun for a second sample before reading much into a 10% difference.",
    `- Settings of this run: ${settingsText(results)}.`,
    "",
  ];
}

function settingsText(results: BenchResults): string {
  const s = results.settings;
  return [
    `signaling at ${s.rooms.map(int).join(" and ")} rooms, ${secs(s.warmupMs)} warm-up, ` +
    `${secs(s.durationMs)} window, drain up to ${secs(s.drainMs)}`,
    `capacity levels ${s.capacityLevels.map(int).join(", ")} with ${s.joinProbes} join probes ` +
    `each, top level held ${secs(s.capacityHoldMs)}`,
    `${s.calls} browser calls per app (${s.asWrittenCalls} of the as-written tutorial client), ` +
    `${secs(s.callTimeoutMs)} each at most`,
    `${s.coldStarts} cold starts each`,
  ].join("; ");
}

function ratioText(parley: number, other: number, better: "higher" | "lower"): string {
  if (other === 0 && parley === 0) return "—";
  if (better === "higher") {
    if (other === 0) return "∞ (none)";
    return `${times(parley / other)}`;
  }
  if (parley === 0) return "—";
  return `${times(parley / other)}`;
}

/** A figure, or undefined when there is none (missing, null in JSON, NaN). */
function known(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function num(value: number): string {
  return value >= 100 ? int(value) : value.toFixed(1);
}

function times(value: number): string {
  if (!Number.isFinite(value)) return "∞";
  if (value >= 10) return `${value.toFixed(0)}×`;
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`;
}

function ms(value: number | undefined | null): string {
  if (value === undefined || value === null || Number.isNaN(value)) return "—";
  return value >= 100 ? `${int(value)} ms` : `${value.toFixed(1)} ms`;
}

function secs(valueMs: number): string {
  return `${Math.round(valueMs / 100) / 10} s`;
}

function pct(value: number): string {
  return `${value.toFixed(0)}%`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? "—" : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}
