/**
 * Calls in headless Chromium (the browser tests' flags, a fake camera), one after another, each
 * person in a browser context of their own, every page carrying the hooks of `page_hooks.ts`:
 *
 * - the floor: two RTCPeerConnections in one page, `createOffer` to video shown on both sides;
 * - the same floor beside two pages that show a camera preview, as the two people's pages of a
 *   call do (what those previews cost the browser, Parley's pages aside);
 * - Parley: the first person joins a room; the second looks at their preview for a second, as a
 *   person does, then the clock starts at their click on `#join` and stops when `#remote-video`
 *   has presented a frame on both sides;
 * - the tutorial's page, which offers as soon as it loads: the clock starts when the second
 *   person's page starts loading and stops at a frame in `#remoteVideo` on both sides.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { ClientEvent, newRoomId } from "../protocol/signaling.ts";
import { launchChromium } from "../tests/helpers/browser.ts";
import { floorCall, type FloorTimes, installHooks } from "./page_hooks.ts";
import { type PageWeight, visits } from "./page_weight.ts";
import type { Settings } from "./results.ts";
import { startTarget, type Target, TUTORIAL_DIR } from "./servers.ts";
import { medianOf, round, summarize, type Summary } from "./stats.ts";

/**
 * The steps of a Parley call: the name shown, the hooks' mark, the floor's matching figure. Each
 * counts from the second person's Join, on each page; a page that takes no such step after that
 * Join (the first person's join was acknowledged before it) has none.
 */
export const STEPS: Array<[step: string, mark: string, floor?: keyof FloorTimes]> = [
  ["join acknowledged", "join-acked"],
  ["offer sent", "offer-sent"],
  ["answer received", "answer-received"],
  ["connected (ICE + DTLS)", "connected", "connected"],
  ["first frame received", "received", "received"],
  ["first frame decoded", "decoded", "decoded"],
  ["first frame shown", "shown", "shown"],
];

/** One call: until both sides showed video, and each step on [first person, second person]. */
export interface Call {
  ok: boolean;
  bothMs?: number;
  steps?: Record<string, Array<number | null>>;
  error?: string;
}

/** All calls of one kind; figures over those that connected. */
export interface CallSeries {
  name: string;
  calls: Call[];
  connected: number;
  bothMs: Summary;
  /** Median of each step on each side. */
  stepMedians: Record<string, Array<number | null>>;
}

/** Summarizes `calls`. */
export function series(name: string, calls: Call[]): CallSeries {
  const ok = calls.filter((call) => call.ok);
  const stepMedians = Object.fromEntries(
    Object.keys(ok[0]?.steps ?? {}).map((step) => [
      step,
      [0, 1].map((side) => medianOf(ok.map((call) => call.steps![step][side]))),
    ]),
  );
  const bothMs = summarize(ok.map((call) => call.bothMs!));
  return { name, calls, connected: ok.length, bothMs, stepMedians };
}

/** A person: a browser context, a page with the hooks; `script` replaces the tutorial's client. */
async function person(browser: Browser, remoteVideo: string, script?: string) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String((error as Error).message ?? error)));
  await page.evaluateOnNewDocument(installHooks, ClientEvent, remoteVideo);
  if (script !== undefined) {
    await page.setRequestInterception(true);
    page.on(
      "request",
      (request) =>
        new URL(request.url()).pathname === "/script.js"
          ? request.respond({ status: 200, contentType: "text/javascript", body: script })
          : request.continue(),
    );
  }
  /** Waits until the hooks have noted `mark`; the error names the person and the page's error. */
  const noted = (mark: string, timeoutMs: number) =>
    page.waitForFunction(
      (n: string) => (globalThis as unknown as { __bench: PageMarks }).__bench.marks[n],
      { timeout: timeoutMs, polling: 10 },
      mark,
    ).catch(() => {
      throw new Error(`no ${mark} within ${timeoutMs} ms` + (errors[0] ? ` (${errors[0]})` : ""));
    });
  return { context, page, noted };
}

type Person = Awaited<ReturnType<typeof person>>;
type PageMarks = { marks: Record<string, number[]> };

/** Runs `call` with two fresh people, closing their contexts afterwards; errors become failures. */
async function withPeople(
  browser: Browser,
  remoteVideo: string,
  call: (first: Person, second: Person) => Promise<Call>,
  script?: string,
): Promise<Call> {
  const first = await person(browser, remoteVideo, script);
  const second = await person(browser, remoteVideo, script);
  try {
    return await call(first, second);
  } catch (error) {
    return failed(error);
  } finally {
    await Promise.all([first.context.close(), second.context.close()]).catch(() => {});
  }
}

function failed(error: unknown): Call {
  return { ok: false, error: String((error as Error)?.message ?? error).split("\n")[0] };
}

/** Each step on both pages, in ms from `t0`: the first time its mark was noted at or after it. */
async function stepsSince(t0: number, people: Person[]): Promise<Call> {
  const marks = await Promise.all(
    people.map(({ page }) =>
      page.evaluate(() => (globalThis as unknown as { __bench: PageMarks }).__bench.marks)
    ),
  );
  const since = (mark: string) =>
    marks.map((m) => {
      const at = (m[mark] ?? []).find((time) => time >= t0);
      return at === undefined ? null : round(at - t0);
    });
  const steps = Object.fromEntries(STEPS.map(([step, mark]) => [step, since(mark)]));
  const [one, two] = steps["first frame shown"];
  if (one === null || two === null) throw new Error("a page showed its only frame before the Join");
  return { ok: true, bothMs: Math.max(one, two), steps };
}

/** How long the second person looks at the pre-join screen before pressing Join. */
export const LOOK_MS = 1000;

/** One Parley call on the server at `url`. */
export function parleyCall(browser: Browser, url: string, timeoutMs: number): Promise<Call> {
  return withPeople(browser, "#remote-video", async (first, second) => {
    const room = `${url}/r/${newRoomId()}`;
    for (const who of [first, second]) {
      await who.page.goto(room);
      await who.page.waitForSelector("#join:not([disabled])", { timeout: timeoutMs });
      if (who === second) await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
      await who.page.click("#join");
      if (who === first) await first.noted("join-acked", timeoutMs);
    }
    await Promise.all([first.noted("shown", timeoutMs), second.noted("shown", timeoutMs)]);
    const [joinAt] = await second.page.evaluate(() =>
      (globalThis as unknown as { __bench: PageMarks }).__bench.marks["join-click"]
    );
    return await stepsSince(joinAt, [first, second]);
  });
}

/** One call through the tutorial's page; `script` replaces its client (the one as written). */
export function tutorialCall(browser: Browser, url: string, timeoutMs: number, script?: string) {
  return withPeople(browser, "#remoteVideo", async (first, second) => {
    await first.page.goto(`${url}/`);
    // It offers as soon as it loads; a page that throws before that never will.
    await first.noted("local-offer", timeoutMs);
    await second.page.goto(`${url}/`);
    await Promise.all([first.noted("shown", timeoutMs), second.noted("shown", timeoutMs)]);
    const loadedAt = await second.page.evaluate(() => performance.timeOrigin);
    return { ...await stepsSince(loadedAt, [first, second]), steps: undefined };
  }, script);
}

/** One floor call in `page`, a page with the hooks on a secure origin (loopback is one). */
export async function floor(page: Page, timeoutMs: number): Promise<Call> {
  try {
    const times: FloorTimes = await page.evaluate(floorCall, timeoutMs);
    const steps = Object.fromEntries(Object.entries(times).map(([k, ms]) => [k, [round(ms)]]));
    return { ok: true, bothMs: round(times.shown), steps };
  } catch (error) {
    return failed(error);
  }
}

/**
 * One floor call in `page` while two other pages (browser contexts of their own) show the fake
 * camera at the resolution Parley asks for, as the pages of the two people in a call do.
 */
export async function floorBesidePreviews(browser: Browser, page: Page, timeoutMs: number) {
  const contexts = await Promise.all([0, 1].map(() => browser.createBrowserContext()));
  try {
    for (const context of contexts) {
      const preview = await context.newPage();
      await preview.goto(page.url());
      await preview.evaluate(async () => {
        const video = document.createElement("video");
        video.autoplay = video.muted = video.playsInline = true;
        video.srcObject = await navigator.mediaDevices.getUserMedia({
          audio: true,
          video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } },
        });
        document.body.append(video);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
    return await floor(page, timeoutMs);
  } finally {
    await Promise.all(contexts.map((context) => context.close())).catch(() => {});
  }
}

/**
 * The browser part of a run: page weight, then floor and Parley calls alternating on one Parley
 * server (so other work on the machine hits both alike), then the tutorial's page.
 */
export async function runBrowser(s: Settings, log: (line: string) => void) {
  const out = { calls: [] as CallSeries[], pageWeight: [] as PageWeight[] };
  const browser = await launchChromium();
  const show = (call: Call) => (call.ok ? `${call.bothMs} ms` : call.error);
  const weigh = async (target: Target, url: string, paths: string[], ready: string) => {
    const [first, returning] = await visits(browser, url, paths, ready);
    out.pageWeight.push({ target, first, returning });
    log(`  ${target}'s page: ${first.transferBytes} B, returning ${returning.transferBytes} B`);
  };
  try {
    const parley = await startTarget("parley");
    try {
      const rooms = ["/r/bench-page-weight-1", "/r/bench-page-weight-2"];
      await weigh("parley", parley.url, rooms, "#join:not([disabled])");
      const { page } = await person(browser, "");
      await page.goto(`${parley.url}/bench-floor`);
      const [floors, loaded, calls]: Call[][] = [[], [], []];
      for (let i = 1; i <= s.calls; i++) {
        floors.push(await floor(page, s.callTimeoutMs));
        loaded.push(await floorBesidePreviews(browser, page, s.callTimeoutMs));
        calls.push(await parleyCall(browser, parley.url, s.callTimeoutMs));
        log(
          `  call ${i}: floor ${show(floors.at(-1)!)}, beside previews ${show(loaded.at(-1)!)}, ` +
            `Parley ${show(calls.at(-1)!)}`,
        );
      }
      out.calls.push(
        series("floor", floors),
        series("floor beside previews", loaded),
        series("parley", calls),
      );
    } finally {
      await parley.stop();
    }
    const tutorial = await startTarget("tutorial");
    try {
      await weigh("tutorial", tutorial.url, ["/", "/"], "#remoteVideo");
      const asWritten = await Deno.readTextFile(`${TUTORIAL_DIR}public/script_as_written.js`);
      for (
        const [name, count, script] of [
          ["tutorial", s.calls],
          ["tutorial as written", s.asWrittenCalls, asWritten],
        ] as const
      ) {
        const calls: Call[] = [];
        for (let i = 1; i <= count; i++) {
          calls.push(await tutorialCall(browser, tutorial.url, s.callTimeoutMs, script));
          log(`  ${name} ${i}: ${show(calls.at(-1)!)}`);
        }
        out.calls.push(series(name, calls));
      }
    } finally {
      await tutorial.stop();
    }
  } finally {
    await browser.close();
  }
  return out;
}
