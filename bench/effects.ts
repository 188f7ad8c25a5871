/**
 * The `effects` part of the bench: noise suppression and background blur in real calls between
 * two Chromium pages, each measured off and then on in the same call.
 *
 * - Noise: the microphone is a file made here (tests/helpers/noisy_speech.ts: speech, and fan-like
 *   noise at a known level). The other side records one loop of what it hears with the filter off,
 *   then one with it on; the levels of the noise-only stretches and of the speech are compared.
 * - Blur: the camera is a still test pattern (bars, a checkerboard, fine lines: what blur changes).
 *   Frames sent per second and the browser's CPU time, in windows with blur off and on by turns
 *   (switched from the call's More menu, as a person does), each on window judged against the off
 *   window before it (a ratio: the machine is shared, its load moves); the size sent; and the
 *   share of the pattern's pixels the blur changed, as the other side sees them.
 * - The first visit's bytes, as the browser part weighs them: both features are in the build.
 *
 * The report is effects_report.ts.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { toggleFromMenu, waitForMark } from "../tests/helpers/effect_switches.ts";
import {
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  waitForRemoteFrames,
} from "../tests/helpers/browser.ts";
import { watchPeerConnections } from "../tests/helpers/peer_watch.ts";
import {
  type HeardLevels,
  judge,
  makeNoisySpeech,
  NOISE_DB,
  recordHeard,
} from "../tests/helpers/noisy_speech.ts";
import { visits } from "./page_weight.ts";
import { startTarget } from "./servers.ts";
import { medianOf, round, sleep, treeCpuSeconds } from "./stats.ts";
import { testPattern } from "./test_pattern.ts";

/** What sending looked like for a while. */
export interface SendingRun {
  framesPerSecond: number;
  /** CPU time of the whole browser (both pages) per frame the sender sent. */
  cpuMsPerFrame: number;
  /** CPU time of the whole browser per second: 1 is one core kept busy. */
  cpuCores: number;
  width: number;
  height: number;
}

/** Blur on against off, in the same call: the medians of the windows, and of their ratios. */
export interface BlurResult {
  /** Each pair of windows: off, then on. */
  pairs: { off: SendingRun; on: SendingRun }[];
  off: SendingRun;
  on: SendingRun;
  /** On ÷ the off window before it, the median over the pairs. */
  ratios: { framesPerSecond: number; cpuMsPerFrame: number; cpuCores: number };
  changedShare: number;
}

/** Everything the part measured. */
export interface EffectsResult {
  noise: { noiseDb: number; off: HeardLevels; on: HeardLevels } | null;
  blur: BlurResult | null;
  /** A first visit's bytes (the build has both features). */
  firstVisitBytes: number | null;
  /** When it ran, and the machine's load average (1 minute) when it ended. */
  ranAt?: string;
  loadAverage?: number;
  errors: string[];
}

/** The seconds of each blur window. */
export const BLUR_SECONDS = 10;
/** Pairs of windows, blur off then on. */
const BLUR_PAIRS = 3;
/** Settling after the blur starts (its size adapts to the machine in about two seconds). */
const BLUR_SETTLE_MS = 5000;
/** Settling after it stops. */
const PLAIN_SETTLE_MS = 2000;

/** Runs the part. */
export async function runEffects(log: (line: string) => void): Promise<EffectsResult> {
  const result: EffectsResult = { noise: null, blur: null, firstVisitBytes: null, errors: [] };
  const dir = await Deno.makeTempDir({ prefix: "parley-effects-" });
  const server = await startTarget("parley");
  try {
    for (
      const [name, step] of [
        ["page", () => firstVisit(server.url, result, log)],
        ["noise", () => noise(server.url, dir, result, log)],
        ["blur", () => blur(server.url, dir, result, log)],
      ] as const
    ) {
      try {
        await step();
      } catch (error) {
        result.errors.push(`${name}: ${error instanceof Error ? error.message : error}`);
        log(`  ${name} failed: ${error}`);
      }
    }
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  result.ranAt = new Date().toISOString();
  result.loadAverage = round(Deno.loadavg()[0], 2);
  return result;
}

async function firstVisit(url: string, result: EffectsResult, log: (line: string) => void) {
  const browser = await launchChromium();
  try {
    const [first] = await visits(browser, url, ["/r/bench-effects-page"], "#join:not([disabled])");
    // The call's chunk and style sheet (with the effects' switches) are fetched a second after the
    // pre-join screen is ready: not the first visit, as page_cache_test counts it either.
    const call = first.resources.filter((r) => /^\/call[-.]/.test(r.path));
    const callBytes = call.reduce((sum, r) => sum + r.transferBytes, 0);
    result.firstVisitBytes = first.transferBytes - callBytes;
    log(`  a first visit: ${result.firstVisitBytes} B (then the call's chunk: ${callBytes} B)`);
  } finally {
    await closeBrowser(browser);
  }
}

/** Two people in a call in `browser`; `a`'s switches set before the page loads. */
async function call(browser: Browser, url: string, switches: { noise: boolean; blur: boolean }) {
  const room = await newRoomUrl(url);
  const a = await newUser(browser, url, { name: "a" });
  const b = await newUser(browser, url, { name: "b" });
  for (const user of [a, b]) {
    await watchPeerConnections(user.page);
    await user.page.goto(url);
    await user.page.evaluate(
      (noise, blur) =>
        localStorage.setItem(
          "parley.effects",
          JSON.stringify({ noise: noise ? "on" : "off", blur: blur ? "on" : "off" }),
        ),
      switches.noise,
      switches.blur,
    );
    await user.page.goto(room);
  }
  await pressJoin(a.page);
  await pressJoin(b.page);
  await waitForRemoteFrames(b.page, LIVE);
  return { a, b };
}

async function noise(url: string, dir: string, result: EffectsResult, log: (line: string) => void) {
  const signal = await makeNoisySpeech(dir);
  const seconds = Math.ceil((signal.windows * 480) / 48_000) + 1;
  const browser = await launchChromium({
    args: [`--use-file-for-fake-audio-capture=${signal.file}`],
  });
  try {
    const { a, b } = await call(browser, url, { noise: false, blur: false });
    // B says nothing: A's echo canceller would take B's copy of the same file for an echo.
    await clickButton(b.page, "Turn off microphone");
    await sleep(1000);
    const off = judge(signal, await recordHeard(b.page, seconds));
    await toggleFromMenu(a.page, "Reduce background noise");
    await waitForMark(a.page, "noise reduced");
    await sleep(1000);
    const on = judge(signal, await recordHeard(b.page, seconds));
    result.noise = { noiseDb: NOISE_DB, off, on };
    const say = (h: HeardLevels) =>
      `noise ${round(h.noiseDb)} dB, speech ${round(h.speechDb)} dB (fit ${round(h.fit, 2)})`;
    log(`  noise suppression off: ${say(off)}; on: ${say(on)}`);
  } finally {
    await closeBrowser(browser);
  }
}

async function blur(url: string, dir: string, result: EffectsResult, log: (line: string) => void) {
  const pattern = `${dir}/pattern.y4m`;
  await Deno.writeFile(pattern, testPattern(1280, 720));
  const browser = await launchChromium({
    args: [`--use-file-for-fake-video-capture=${pattern}`],
  });
  try {
    const { a, b } = await call(browser, url, { noise: false, blur: false });
    const pid = browser.process()?.pid;
    if (!pid) throw new Error("no browser process to measure");
    await sleep(PLAIN_SETTLE_MS);
    const before = await receivedPixels(b.page);
    let after: number[] = [];
    const say = (s: SendingRun) =>
      `${s.framesPerSecond} frames/s at ${s.width}×${s.height}, ${s.cpuMsPerFrame} ms CPU a ` +
      `frame, ${s.cpuCores} cores`;
    const pairs: BlurResult["pairs"] = [];
    for (let i = 0; i < BLUR_PAIRS; i++) {
      const off = await sending(a.page, pid);
      await toggleFromMenu(a.page, "Blur background");
      await waitForMark(a.page, "blurred");
      await sleep(BLUR_SETTLE_MS);
      const on = await sending(a.page, pid);
      if (i === 0) after = await receivedPixels(b.page);
      await toggleFromMenu(a.page, "Blur background");
      await waitForMark(a.page, "blurred", { running: false });
      await sleep(PLAIN_SETTLE_MS);
      pairs.push({ off, on });
      log(`  blur off: ${say(off)}; on: ${say(on)}`);
    }
    let changed = 0;
    for (let i = 0; i < before.length; i++) if (Math.abs(before[i] - after[i]) > 24) changed++;
    result.blur = blurResult(pairs, round(changed / before.length, 3));
    const { ratios } = result.blur;
    log(
      `  blur on ÷ off: ${ratios.framesPerSecond}× the frames, ${ratios.cpuMsPerFrame}× the CPU ` +
        `a frame, ${ratios.cpuCores}× the CPU a second; ` +
        `${round(result.blur.changedShare * 100)}% of the pattern changed`,
    );
  } finally {
    await closeBrowser(browser);
  }
}

/** The medians of `pairs`, and of each pair's ratios (on ÷ off). */
function blurResult(pairs: BlurResult["pairs"], changedShare: number): BlurResult {
  const median = (f: (run: SendingRun) => number, side: "off" | "on") =>
    medianOf(pairs.map((p) => f(p[side]))) ?? 0;
  const of = (side: "off" | "on"): SendingRun => ({
    framesPerSecond: round(median((r) => r.framesPerSecond, side)),
    cpuMsPerFrame: round(median((r) => r.cpuMsPerFrame, side)),
    cpuCores: round(median((r) => r.cpuCores, side), 2),
    width: pairs.at(-1)![side].width,
    height: pairs.at(-1)![side].height,
  });
  // The median (nearest rank) to two decimals: medianOf keeps one, too coarse for a ratio.
  const ratio = (key: "framesPerSecond" | "cpuMsPerFrame" | "cpuCores") => {
    const sorted = pairs.map((p) => p.on[key] / Math.max(1e-9, p.off[key])).sort((a, b) => a - b);
    return round(sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)] ?? 0, 2);
  };
  return {
    pairs,
    off: of("off"),
    on: of("on"),
    ratios: {
      framesPerSecond: ratio("framesPerSecond"),
      cpuMsPerFrame: ratio("cpuMsPerFrame"),
      cpuCores: ratio("cpuCores"),
    },
    changedShare,
  };
}

/** The sender's video for {@linkcode BLUR_SECONDS}: frames sent, and the browser's CPU time. */
async function sending(page: Page, browserPid: number): Promise<SendingRun> {
  const stats = () =>
    page.evaluate(async () => {
      const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
        .parleyPeerConnections.at(-1)!;
      let out = { frames: 0, width: 0, height: 0 };
      (await pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "video") {
          out = { frames: s.framesSent ?? 0, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0 };
        }
      });
      return out;
    });
  const first = await stats();
  const cpuBefore = await treeCpuSeconds(browserPid);
  const started = performance.now();
  await sleep(BLUR_SECONDS * 1000);
  const last = await stats();
  const cpu = (await treeCpuSeconds(browserPid)) - cpuBefore;
  const seconds = (performance.now() - started) / 1000;
  const frames = last.frames - first.frames;
  return {
    framesPerSecond: round(frames / seconds),
    cpuMsPerFrame: round((cpu * 1000) / Math.max(1, frames)),
    cpuCores: round(cpu / seconds, 2),
    width: last.width,
    height: last.height,
  };
}

/** The luma of the other person's picture as `page` shows it, at 320×180. */
function receivedPixels(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const video = document.getElementById("remote-video") as HTMLVideoElement;
    const canvas = Object.assign(document.createElement("canvas"), { width: 320, height: 180 });
    const context = canvas.getContext("2d", { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, 320, 180);
    const { data } = context.getImageData(0, 0, 320, 180);
    const luma: number[] = [];
    for (let i = 0; i < data.length; i += 4) {
      luma.push(Math.round(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]));
    }
    return luma;
  });
}
