/**
 * A call whose network is cut and comes back, in the setting of
 * `tests/browser/network_fault_test.ts`: person B's Chromium runs in a network namespace joined to
 * the host by a veth pair, the only way B reaches the server and person A (on the host). Each cut
 * takes B's end of the pair down for `linkCutMs`, as a Wi-Fi drop would, `linkTalkMs` into a
 * call, then brings it back; the clock starts when it is back and stops at the first frame each
 * side's remote video presents after that (`requestVideoFrameCallback`). Each cut is a call's
 * first. Also noted: when the ICE restart's answer reached B, and when the first frame shown had
 * arrived (its last packet, from the frame callback's `receiveTime`).
 *
 * Beside it, in the same namespace and run, the floor: two bare pages, one RTCPeerConnection each
 * (camera and microphone, as Parley sends), their descriptions handed over by the benchmark, and
 * an ICE restart offered the moment the link is back. Nothing of Parley's: what WebRTC itself does.
 *
 * Needs root and iproute2 (`ip netns`), as the network test does; elsewhere the part fails with
 * the reason.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { closeBrowser, launchChromium, newRoomUrl, pressJoin } from "../tests/helpers/browser.ts";
import { createNamespaceLink, namespacesUnavailable } from "../tests/helpers/netns.ts";
import { startServer } from "../tests/helpers/server.ts";
import type { BenchResults, Settings } from "./results.ts";
import { ms, num, ratio, table, times } from "./format.ts";
import { medianOf, sleep, summarize, type Summary } from "./stats.ts";

/** One cut: ms from link back, per side [A on the host, B in the namespace]; null: never. */
export interface Cut {
  /** The first remote frame shown after the link was back. */
  shown: Array<number | null>;
  /** When that frame's last packet had arrived. */
  received: Array<number | null>;
  /** When B had the ICE restart's answer. */
  answered: number | null;
}

/** The cuts of one kind (Parley or the floor), summarized. */
export interface CutSeries {
  name: string;
  cuts: Cut[];
  /** Link back → video on both sides (the later of the two), over the cuts that recovered. */
  bothMs: Summary;
  /** Link back → video on one side, every side of every cut. */
  sideMs: Summary;
  /** Cuts after which a side never showed video again within the wait. */
  lost: number;
  /** Medians of `received` and `answered`. */
  receivedMs: number | null;
  answeredMs: number | null;
  error?: string;
}

/** How long a side may take to show video again before the cut counts as lost. */
const RECOVERY_WAIT_MS = 15_000;

/** Runs the Parley cuts, then the floor's, each on a namespace of its own. */
export async function runLinkCuts(s: Settings, log: (line: string) => void): Promise<CutSeries[]> {
  const unavailable = await namespacesUnavailable();
  if (unavailable) throw new Error(`the link cuts need network namespaces: ${unavailable}`);
  const results: CutSeries[] = [];
  for (const [name, setUp] of [["parley", parleyCall], ["floor", floorCall]] as const) {
    const cuts: Cut[] = [];
    let error: string | undefined;
    try {
      await overCutLink(s, setUp, cuts);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    results.push(cutSeries(name, cuts, error));
    const r = results.at(-1)!;
    log(
      `  ${name}: ${cuts.length} cuts, link back → video on both sides p50 ${r.bothMs.p50} ms, ` +
        `p95 ${r.bothMs.p95} ms, one side p50 ${r.sideMs.p50} ms, lost ${r.lost}` +
        (error ? ` (stopped: ${error})` : ""),
    );
  }
  return results;
}

/** Summarizes `cuts`. */
export function cutSeries(name: string, cuts: Cut[], error?: string): CutSeries {
  const recovered = cuts.filter((cut) => cut.shown.every((t) => t !== null));
  return {
    name,
    cuts,
    bothMs: summarize(recovered.map((cut) => Math.max(...cut.shown as number[]))),
    sideMs: summarize(recovered.flatMap((cut) => cut.shown as number[])),
    lost: cuts.length - recovered.length,
    receivedMs: medianOf(cuts.flatMap((cut) => cut.received)),
    answeredMs: medianOf(cuts.map((cut) => cut.answered)),
    ...(error ? { error } : {}),
  };
}

/** Two people in a call: A's page (host), B's page (namespace), ready to be cut. */
export type SetUp = (url: string, a: Page, b: Page) => Promise<{ afterBack?: () => Promise<void> }>;

/** Makes the namespace, server and browsers; cuts `s.linkCuts` calls that `setUp` makes, once each. */
async function overCutLink(s: Settings, setUp: SetUp, cuts: Cut[]): Promise<void> {
  const link = await createNamespaceLink("parley-bench", { subnet: "10.233.0" });
  const browsers: Browser[] = [];
  const server = await startServer({ host: link.hostAddress }).catch(async (error) => {
    await link.remove();
    throw error;
  });
  try {
    // Camera and microphone need a secure origin; plain http is one only on localhost.
    const secure = `--unsafely-treat-insecure-origin-as-secure=${server.url}`;
    browsers.push(await launchChromium({ args: [secure] }));
    browsers.push(await launchChromium({ args: [secure], executablePath: link.chromium }));
    // A call per cut: the first drop of a call is the one people have (and, measured here, the
    // slower: later drops in the same call recover faster).
    for (let i = 0; i < s.linkCuts; i++) {
      const contexts = await Promise.all(browsers.map((browser) => browser.createBrowserContext()));
      try {
        const [a, b] = await Promise.all(contexts.map(async (context) => {
          const page = await context.newPage();
          await page.evaluateOnNewDocument(watchFrames);
          return page;
        }));
        const { afterBack } = await setUp(server.url, a, b);
        await Promise.all([a, b].map((page) => shownSince(page, 0, 30_000)));
        await sleep(s.linkTalkMs);
        await link.cut();
        await sleep(s.linkCutMs);
        await link.restore();
        const back = Date.now();
        await afterBack?.();
        const frames = await Promise.all([a, b].map((page) => shownSince(page, back)));
        const answered = await b.evaluate(
          (t: number) => (globalThis as unknown as Watch).__answers.find((x) => x > t) ?? null,
          back,
        );
        cuts.push({
          shown: frames.map((f) => f && Math.round(f.shown - back)),
          received: frames.map((f) => f && Math.round(f.received - back)),
          answered: answered && Math.round(answered - back),
        });
      } finally {
        await Promise.all(contexts.map((context) => context.close().catch(() => {})));
      }
    }
  } finally {
    for (const browser of browsers) await closeBrowser(browser);
    await server.stop();
    await link.remove();
  }
}

/** Parley: A opens a room and joins, B joins; the app does the rest. */
const parleyCall: SetUp = async (url, a, b) => {
  const room = await newRoomUrl(url);
  // As in the network test: both on the pre-join screen, then A joins, then B.
  for (const page of [a, b]) await page.goto(room);
  for (const page of [a, b]) await pressJoin(page);
  for (const page of [a, b]) {
    await page.evaluate(() => (globalThis as unknown as Watch).__watch("#remote-video"));
  }
  return {};
};

/** The floor: a bare peer connection in each page; B offers, and restarts ICE once back. */
export const floorCall: SetUp = async (url, a, b) => {
  for (const page of [a, b]) {
    await page.goto(new URL("/", url).href);
    await page.evaluate(barePeer);
  }
  const negotiate = async (restart: boolean) => {
    const offer = await b.evaluate(
      (r: boolean) => (globalThis as unknown as Bare).__offer(r),
      restart,
    );
    const answer = await a.evaluate(
      (sdp: string) => (globalThis as unknown as Bare).__answer(sdp),
      offer,
    );
    await b.evaluate((sdp: string) => (globalThis as unknown as Bare).__accept(sdp), answer);
  };
  await negotiate(false);
  return { afterBack: () => negotiate(true) };
};

type Watch = {
  __frames: Array<[shown: number, received: number]>;
  __answers: number[];
  __watch(selector: string): void;
};
type Bare = {
  __offer(restart: boolean): Promise<string>;
  __answer(sdp: string): Promise<string>;
  __accept(sdp: string): Promise<void>;
};

/**
 * Runs in each page before its own scripts: notes every answer a peer connection takes, and, once
 * `__watch` names the remote video, every frame it presents (epoch ms, shown and received).
 */
export function watchFrames(): void {
  const w = globalThis as unknown as Watch;
  w.__frames = [];
  w.__answers = [];
  const epoch = (t: number) => performance.timeOrigin + t;
  const set = RTCPeerConnection.prototype.setRemoteDescription as (
    this: RTCPeerConnection,
    description: RTCSessionDescriptionInit,
  ) => Promise<void>;
  Object.assign(RTCPeerConnection.prototype, {
    async setRemoteDescription(this: RTCPeerConnection, description: RTCSessionDescriptionInit) {
      await set.call(this, description);
      if (description.type === "answer") w.__answers.push(Date.now());
    },
  });
  w.__watch = (selector) => {
    const video = document.querySelector(selector) as HTMLVideoElement;
    const frame: VideoFrameRequestCallback = (_, meta) => {
      w.__frames.push([epoch(meta.expectedDisplayTime), epoch(meta.receiveTime ?? 0)]);
      video.requestVideoFrameCallback(frame);
    };
    video.requestVideoFrameCallback(frame);
  };
}

/** The first frame `page` presents after `since` (epoch ms), once three have: video moving. */
async function shownSince(
  page: Page,
  since: number,
  waitMs = RECOVERY_WAIT_MS,
): Promise<{ shown: number; received: number } | null> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const after = await page.evaluate(
      (t: number) => (globalThis as unknown as Watch).__frames.filter(([shown]) => shown > t),
      since,
    );
    if (after.length >= 3) return { shown: after[0][0], received: after[0][1] };
    await sleep(50);
  }
  return null;
}

/** Runs in a floor page: a peer connection sending camera and microphone, showing the other's. */
async function barePeer(): Promise<void> {
  const w = globalThis as unknown as Watch & Bare;
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 1280, height: 720 },
    audio: true,
  });
  const pc = new RTCPeerConnection();
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  const video = document.createElement("video");
  video.id = "floor-video";
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  pc.ontrack = ({ streams }) => (video.srcObject = streams[0]);
  w.__watch("#floor-video");
  // The whole description at once (candidates gathered), so one trip each way suffices.
  const gathered = () =>
    new Promise<string>((resolve) => {
      const done = () => pc.iceGatheringState === "complete" && resolve(pc.localDescription!.sdp);
      pc.addEventListener("icegatheringstatechange", done);
      done();
      setTimeout(() => resolve(pc.localDescription!.sdp), 2000);
    });
  w.__offer = async (restart) => {
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: restart }));
    return await gathered();
  };
  w.__answer = async (sdp) => {
    await pc.setRemoteDescription({ type: "offer", sdp });
    await pc.setLocalDescription();
    return await gathered();
  };
  w.__accept = (sdp) => pc.setRemoteDescription({ type: "answer", sdp });
}

/** bench/README.md's section on the cuts. */
export function cutsSection(r: BenchResults): string {
  const s = r.settings;
  const cuts = r.linkCuts ?? [];
  const floor = cuts.find((c) => c.name === "floor");
  const name = (c: CutSeries) =>
    c.name === "floor" ? "floor: WebRTC itself, ICE restarted at once" : "Parley";
  const rows = cuts.map((c) => [
    name(c),
    `${c.cuts.length - c.lost}/${c.cuts.length}`,
    ms(c.bothMs.p50),
    ms(c.bothMs.p95),
    ms(c.sideMs.p50),
    c.name === "floor" ? "" : times(ratio(c.bothMs.p50, floor?.bothMs.p50)),
    ms(c.answeredMs),
    ms(c.receivedMs),
    c.error ?? "—",
  ]);
  const each = cuts.map((c) =>
    `${name(c)}: ${c.cuts.map((x) => x.shown.map((t) => num(t)).join("/")).join(", ")}`
  );
  return `## A network cut mid-call, and back

The setting of \`tests/browser/network_fault_test.ts\`: person B's Chromium runs in a network
namespace joined to the host by a veth pair, the only way B reaches the server and person A, whose
Chromium is on the host. ${s.linkCuts} calls; in each, ${s.linkTalkMs / 1000} s after both see
each other, B's end of the pair goes down for ${s.linkCutMs / 1000} s, as a Wi-Fi drop would, then
comes back: every cut is a call's first, the drop a person has. The clock starts when the link is back and stops at the first frame each side's remote
video presents after that (\`requestVideoFrameCallback\`), once two more have followed. The floor:
two bare pages, one RTCPeerConnection each sending camera and microphone, their descriptions handed
over by the benchmark, B offering an ICE restart the moment the link is back; nothing of Parley's.
"Answer": when B had the restart's answer; "received": when the first frame shown had arrived.

${
    table(
      "|video back:|both sides, p50:|both sides, p95:|one side, p50:|p50 ÷ floor:|answer, p50:|" +
        "received, p50:|stopped",
      rows,
    )
  }

Each cut, ms to video on A/B: ${each.join("; ")}.`;
}
