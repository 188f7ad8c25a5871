/**
 * One second of a call, read from two successive `getStats()` reports: round-trip time, bitrates,
 * packet loss each way, the video received, and the path the call takes. The quality indicator
 * (`quality.ts`) and the details panel (`details_panel.ts`) both read these.
 *
 * Pure: the reports come in as arrays of plain entries, so tests feed recorded or made-up ones.
 *
 * @module
 */
import type { StatsEntry } from "../verification/verification.ts";

/** How the packets travel: straight between the two, through a NAT, or through a relay. */
export type CallPath = "direct" | "nat" | "relay" | "unknown";

/** What one interval of a call looked like. */
export interface StatsSample {
  /** When the newer report was taken (ms, the report's own clock). */
  at: number;
  /** Round-trip time of the selected path, ms (null: not measured yet). */
  rttMs: number | null;
  /** Bits per second received and sent, over the interval. */
  inBitrate: number;
  outBitrate: number;
  /** Packets the other side sent that did not reach us, and all they sent, in the interval. */
  inLost: number;
  inExpected: number;
  /** Share of our packets the other side reports lost (its last RTCP report), 0..1; null: none. */
  outLossFraction: number | null;
  /** The browser's estimate of what we can send (`availableOutgoingBitrate`), bit/s; null: none. */
  estimate: number | null;
  /** The longest round trip of our media, from the other side's reports, ms; null: none. */
  mediaRttMs: number | null;
  /**
   * Whether the browser holds back our video for want of CPU (an outbound video stream's
   * `qualityLimitationReason` is "cpu"): a busy machine, not a poor network.
   */
  cpuLimited: boolean;
  /** Frames of their video decoded in the interval, and in all (null: no video received). */
  framesDecoded: number | null;
  totalFramesDecoded: number | null;
  /** Their video as it arrives. */
  width: number | null;
  height: number | null;
  fps: number | null;
  codec: string | null;
  path: CallPath;
}

type Entries = readonly StatsEntry[];

const num = (value: unknown): number | null => typeof value === "number" ? value : null;

function sumOf(entries: Entries, type: string, key: string): number {
  let total = 0;
  for (const entry of entries) if (entry.type === type) total += num(entry[key]) ?? 0;
  return total;
}

/** The selected candidate pair and its two candidates, if the transport has chosen one. */
export function selectedPair(entries: Entries): {
  pair: StatsEntry;
  local: StatsEntry | undefined;
  remote: StatsEntry | undefined;
} | null {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const transport = entries.find((entry) => entry.type === "transport");
  let pair = transport ? byId.get(String(transport.selectedCandidatePairId)) : undefined;
  // Firefox marks the pair itself instead of naming it from the transport.
  pair ??= entries.find((entry) =>
    entry.type === "candidate-pair" && entry.selected === true && entry.state === "succeeded"
  );
  pair ??= entries.find((entry) =>
    entry.type === "candidate-pair" && entry.nominated === true && entry.state === "succeeded"
  );
  if (!pair) return null;
  return {
    pair,
    local: byId.get(String(pair.localCandidateId)),
    remote: byId.get(String(pair.remoteCandidateId)),
  };
}

/** The path from the selected pair's candidate types. */
export function pathOf(entries: Entries): CallPath {
  const selected = selectedPair(entries);
  if (!selected) return "unknown";
  // A peer-reflexive candidate at an address the other side also gave as a host candidate is that
  // host candidate found first by a check (a race, as Firefox often has on a LAN): no NAT.
  const hostAddresses = new Set(
    entries.filter((e) => e.candidateType === "host").map((e) => String(e.address ?? e.ip)),
  );
  const typeOf = (candidate: StatsEntry | undefined) =>
    candidate?.candidateType === "prflx" &&
      hostAddresses.has(String(candidate.address ?? candidate.ip))
      ? "host"
      : candidate?.candidateType;
  const types = [typeOf(selected.local), typeOf(selected.remote)];
  if (types.includes("relay")) return "relay";
  if (types.includes("srflx") || types.includes("prflx")) return "nat";
  return types.every((type) => type === "host") ? "direct" : "unknown";
}

/** What happened between report `before` and report `after` (entries of each). */
export function sample(before: Entries, after: Entries): StatsSample {
  const seconds = Math.max(0.001, (timestamp(after) - timestamp(before)) / 1000);
  const delta = (type: string, key: string) =>
    Math.max(0, sumOf(after, type, key) - sumOf(before, type, key));
  const pair = selectedPair(after)?.pair;
  const rtt = num(pair?.currentRoundTripTime);
  const inLost = delta("inbound-rtp", "packetsLost");
  const inReceived = delta("inbound-rtp", "packetsReceived");
  const remoteReports = after.filter((entry) =>
    entry.type === "remote-inbound-rtp" && num(entry.fractionLost) !== null
  );
  const mediaRtts = after.filter((entry) => entry.type === "remote-inbound-rtp")
    .map((entry) => num(entry.roundTripTime)).filter((value) => value !== null) as number[];
  const video = after.find((entry) => entry.type === "inbound-rtp" && entry.kind === "video");
  const previousVideo = before.find((entry) =>
    entry.type === "inbound-rtp" && entry.kind === "video"
  );
  const decoded = num(video?.framesDecoded);
  const codec = video ? after.find((entry) => entry.id === video.codecId) : undefined;
  return {
    at: timestamp(after),
    rttMs: rtt === null ? null : rtt * 1000,
    inBitrate: (delta("inbound-rtp", "bytesReceived") * 8) / seconds,
    outBitrate: (delta("outbound-rtp", "bytesSent") * 8) / seconds,
    inLost,
    inExpected: inLost + inReceived,
    outLossFraction: remoteReports.length === 0
      ? null
      : Math.max(...remoteReports.map((entry) => num(entry.fractionLost)!)),
    estimate: num(pair?.availableOutgoingBitrate),
    mediaRttMs: mediaRtts.length ? Math.max(...mediaRtts) * 1000 : null,
    cpuLimited: after.some((entry) =>
      entry.type === "outbound-rtp" && entry.kind === "video" &&
      entry.qualityLimitationReason === "cpu"
    ),
    framesDecoded: decoded === null ? null : decoded - (num(previousVideo?.framesDecoded) ?? 0),
    totalFramesDecoded: decoded,
    width: num(video?.frameWidth),
    height: num(video?.frameHeight),
    fps: num(video?.framesPerSecond),
    codec: typeof codec?.mimeType === "string" ? codec.mimeType.replace(/^video\//, "") : null,
    path: pathOf(after),
  };
}

function timestamp(entries: Entries): number {
  let latest = 0;
  for (const entry of entries) latest = Math.max(latest, num(entry.timestamp) ?? 0);
  return latest;
}
