/**
 * The connection panel, for the curious (loaded only when opened): the verification code and
 * what it proves, then round-trip time, bitrate in and out, packet loss, the video received
 * (resolution, frame rate, codec) and the path the call takes, with small charts of the last
 * minute drawn as inline SVG.
 *
 * @module
 */
import type { StatsFeed } from "./stats_feed.ts";
import type { CallPath, StatsSample } from "./stats_sample.ts";
import { h } from "../ui/dom.ts";
import { VERIFICATION_EXPLAINED } from "../verification/verification.ts";

const SVG = "http://www.w3.org/2000/svg";

/** The path in words. */
export const PATH_WORDS: Readonly<Record<CallPath, string>> = {
  direct: "Direct",
  nat: "Through NAT",
  relay: "Relayed",
  unknown: "Not known yet",
};

/** Bits per second in words: "1.2 Mbit/s", "350 kbit/s". */
export function bitrateWords(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bps / 1e3)} kbit/s`;
}

function lossPercent(sample: StatsSample): number {
  return sample.inExpected > 0 ? (sample.inLost / sample.inExpected) * 100 : 0;
}

interface Row {
  id: string;
  label: string;
  value: (sample: StatsSample) => string;
  /** What the chart plots, if the row has one. */
  chart?: (sample: StatsSample) => number;
}

const ROWS: Row[] = [
  {
    id: "rtt",
    label: "Round trip",
    value: (s) => s.rttMs === null ? "—" : `${Math.round(s.rttMs)} ms`,
    chart: (s) => s.rttMs ?? 0,
  },
  {
    id: "in",
    label: "Receiving",
    value: (s) => bitrateWords(s.inBitrate),
    chart: (s) => s.inBitrate,
  },
  {
    id: "out",
    label: "Sending",
    value: (s) => bitrateWords(s.outBitrate),
    chart: (s) => s.outBitrate,
  },
  {
    id: "loss",
    label: "Packets lost",
    value: (s) =>
      `${lossPercent(s).toFixed(1)}% in` +
      (s.outLossFraction === null ? "" : `, ${(s.outLossFraction * 100).toFixed(1)}% out`),
    chart: lossPercent,
  },
  {
    id: "video",
    label: "Their video",
    value: (s) =>
      s.width && s.height
        ? `${s.width}×${s.height}${s.fps === null ? "" : `, ${Math.round(s.fps)} fps`}`
        : "—",
  },
  { id: "codec", label: "Codec", value: (s) => s.codec ?? "—" },
  { id: "path", label: "Path", value: (s) => PATH_WORDS[s.path] },
];

/**
 * Mounts the panel into `container` and keeps it up to date from `feed`; returns a stop. In a
 * group call, `whom` says whose connection it is (each pair has its own code); null in a call of
 * two.
 */
export function mountDetailsPanel(
  container: HTMLElement,
  feed: StatsFeed,
  whom: () => string | null = () => null,
): () => void {
  const code = h("dd", { className: "verification-code" });
  const scope = h("p", { className: "whom", hidden: true });
  const cells = new Map<string, { value: HTMLElement; line?: SVGPolylineElement }>();
  const stats = ROWS.map((row) => {
    const value = h("dd");
    const cell: { value: HTMLElement; line?: SVGPolylineElement } = { value };
    cells.set(row.id, cell);
    let chart: SVGSVGElement | null = null;
    if (row.chart) {
      chart = document.createElementNS(SVG, "svg");
      chart.setAttribute("viewBox", "0 0 60 20");
      chart.setAttribute("preserveAspectRatio", "none");
      chart.setAttribute("class", "chart");
      chart.setAttribute("aria-hidden", "true");
      cell.line = document.createElementNS(SVG, "polyline");
      chart.append(cell.line);
    }
    return h("div", { className: "stat" }, h("dt", null, row.label), value, chart);
  });
  container.replaceChildren(
    scope,
    h("dl", { className: "code" }, h("dt", null, "Verification code"), code),
    h(
      "p",
      { className: "explained" },
      `${VERIFICATION_EXPLAINED} Read it to each other: if the words differ, someone may be listening in.`,
    ),
    h("h3", null, "The connection"),
    h("dl", { className: "connection-stats" }, stats),
  );

  const render = () => {
    const with_ = whom();
    scope.hidden = with_ === null;
    scope.textContent = with_ === null
      ? ""
      : `Your connection with ${with_}: the code and figures below are yours and theirs only (each pair in the call has its own).`;
    code.textContent = feed.unverifiable ?? feed.code ?? "Waiting for the connection…";
    const latest = feed.history.at(-1);
    if (!latest) return;
    for (const row of ROWS) {
      const cell = cells.get(row.id)!;
      cell.value.textContent = row.value(latest);
      if (row.chart && cell.line) {
        const values = feed.history.map(row.chart);
        const top = Math.max(...values, 1e-9);
        // Newest on the right, one step per second, the largest value at the top.
        const start = 60 - values.length;
        cell.line.setAttribute(
          "points",
          values.map((v, i) => `${start + i},${(20 - (v / top) * 19).toFixed(1)}`).join(" "),
        );
      }
    }
  };
  render();
  return feed.subscribe(render);
}
