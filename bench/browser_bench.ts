/**
 * Call setup in a real browser: headless Chromium, each user in a browser context of its own, a
 * number of calls one after the other. A call counts from the second user's Join (for the
 * tutorial's page, which has no Join: the second user opening the page) to the first decoded
 * remote video frame on each side (`getVideoPlaybackQuality().totalVideoFrames > 0` on the
 * remote `<video>`), timed by the pages' own clocks.
 *
 * Parley's room page must be the real client (a `#join` button and a bundle bigger than a
 * placeholder); until then this reports "client not available" instead of failing.
 *
 * @module
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import { newRoomId } from "../protocol/signaling.ts";
import { CHROMIUM_ARGS, FAKE_UI_ARG } from "../tests/helpers/browser.ts";
import { startServer, TUTORIAL_DIR } from "./servers.ts";
import type { Target } from "./signal_clients.ts";
import { summarize, type Summary } from "./stats.ts";

/** Chromium's path and the flags the browser tests use (see ENVIRONMENT.md). */
export const CHROMIUM = {
  executablePath: Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium",
  args: [...CHROMIUM_ARGS, FAKE_UI_ARG],
};

/** Options for {@linkcode runBrowserCalls}. */
export interface BrowserOptions {
  calls: number;
  /**
   * Tutorial only: serve the document's client exactly as written (public/script_as_written.js,
   * which uses the undefined `remote`) in place of public/script.js.
   */
  asWritten?: boolean;
  /** A call that has not shown video on both sides by then failed. */
  timeoutMs: number;
  log: (line: string) => void;
}

/** One call. */
export interface CallOutcome {
  ok: boolean;
  /** Second user's Join to the first remote frame on the first user's page. */
  firstUserMs?: number;
  /** The same on the second user's page. */
  secondUserMs?: number;
  /** Until both sides had video: the larger of the two. */
  bothMs?: number;
  error?: string;
}

/** All calls against one app. */
export interface BrowserResult {
  target: Target;
  /** "as written" for the tutorial's client run verbatim. */
  variant?: string;
  available: boolean;
  /** Why it did not run, when `available` is false. */
  reason?: string;
  calls: number;
  successes: number;
  /** Over the calls that connected: until both sides had video. */
  setupMs: Summary | null;
  firstUserMs: Summary | null;
  secondUserMs: Summary | null;
  outcomes: CallOutcome[];
  timeoutMs: number;
}

/** Whether Parley's real web client is there: a room page with #join and a real bundle. */
export async function parleyClientAvailable(url: string): Promise<string | null> {
  const page = await fetch(`${url}/r/${newRoomId()}`).then((r) => r.text()).catch(() => "");
  if (!/id=["']join["']/.test(page)) return "the room page has no #join button yet";
  const bundle = await fetch(`${url}/app.js`).then((r) => r.arrayBuffer()).catch(() => null);
  if (!bundle || bundle.byteLength < 10_000) return "static/app.js is still a placeholder";
  return null;
}

/** Runs `options.calls` calls through `target`'s web app on a fresh server. */
export async function runBrowserCalls(
  target: "parley" | "tutorial",
  options: BrowserOptions,
): Promise<BrowserResult> {
  const result: BrowserResult = {
    target,
    ...(options.asWritten ? { variant: "as written" } : {}),
    available: true,
    calls: 0,
    successes: 0,
    setupMs: null,
    firstUserMs: null,
    secondUserMs: null,
    outcomes: [],
    timeoutMs: options.timeoutMs,
  };
  const server = await startServer(target);
  let browser: Browser | null = null;
  try {
    if (target === "parley") {
      const missing = await parleyClientAvailable(server.url);
      if (missing) {
        return { ...result, available: false, reason: `client not available: ${missing}` };
      }
    }
    browser = await puppeteer.launch({ ...CHROMIUM, headless: true });
    const script = options.asWritten
      ? await Deno.readTextFile(`${TUTORIAL_DIR}public/script_as_written.js`)
      : null;
    const call = target === "parley"
      ? (b: Browser) => parleyCall(b, server.url, options.timeoutMs)
      : (b: Browser) => tutorialCall(b, server.url, options.timeoutMs, script);
    for (let i = 0; i < options.calls; i++) {
      const outcome = await withTimeout(
        call(browser),
        options.timeoutMs + 15_000,
      ).catch((error) => ({ ok: false, error: String(error?.message ?? error) }) as CallOutcome);
      result.outcomes.push(outcome);
      result.calls++;
      if (outcome.ok) result.successes++;
      options.log(
        `  call ${i + 1}/${options.calls}: ` +
          (outcome.ok ? `video both ways after ${Math.round(outcome.bothMs!)} ms` : outcome.error),
      );
    }
  } catch (error) {
    result.reason = String(error);
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
  const ok = result.outcomes.filter((o) => o.ok);
  if (ok.length > 0) {
    result.setupMs = summarize(ok.map((o) => o.bothMs!));
    result.firstUserMs = summarize(ok.map((o) => o.firstUserMs!));
    result.secondUserMs = summarize(ok.map((o) => o.secondUserMs!));
  }
  return result;
}

/**
 * Runs in the page: notes, in the page's clock (ms since the epoch), when `selector` first shows a
 * decoded frame, in `window.__firstFrameAt`.
 */
function watchFirstFrame(selector: string): void {
  const w = globalThis as unknown as { __firstFrameAt?: number };
  const poll = () => {
    const video = document.querySelector(selector) as HTMLVideoElement | null;
    if (video && video.getVideoPlaybackQuality().totalVideoFrames > 0) {
      w.__firstFrameAt ??= performance.timeOrigin + performance.now();
      return;
    }
    setTimeout(poll, 5);
  };
  poll();
}

async function firstFrameAt(page: Page, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction(
    () => (globalThis as unknown as { __firstFrameAt?: number }).__firstFrameAt,
    { timeout: timeoutMs, polling: 20 },
  );
  return await handle.jsonValue() as number;
}

interface User {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors the page threw, in order. */
  errors: string[];
  /** Rejects with the page's first uncaught error. */
  crashed: Promise<never>;
}

async function newUser(browser: Browser, script: string | null = null): Promise<User> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  const crashed = new Promise<never>((_, reject) => {
    page.on("pageerror", (error) => {
      errors.push(describe(error));
      reject(new Error(`page error: ${describe(error)}`));
    });
  });
  crashed.catch(() => {});
  if (script !== null) {
    await page.setRequestInterception(true);
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/script.js") {
        request.respond({ status: 200, contentType: "text/javascript", body: script });
      } else request.continue();
    });
  }
  return { context, page, errors, crashed };
}

/** Waits for the first remote frame on both pages; a failure says which side had none. */
async function bothFirstFrames(
  first: User,
  second: User,
  timeoutMs: number,
): Promise<[number, number]> {
  const [a, b] = await Promise.allSettled([
    firstFrameAt(first.page, timeoutMs),
    firstFrameAt(second.page, timeoutMs),
  ]);
  if (a.status === "fulfilled" && b.status === "fulfilled") return [a.value, b.value];
  const side = a.status === "rejected" && b.status === "rejected"
    ? "either side"
    : a.status === "rejected"
    ? "the first user's side"
    : "the second user's side";
  const errors = [...first.errors, ...second.errors];
  throw new Error(
    `no remote video on ${side} within ${timeoutMs / 1000} s` +
      (errors.length > 0 ? ` (page error: ${errors[0]})` : ""),
  );
}

async function parleyCall(browser: Browser, url: string, timeoutMs: number): Promise<CallOutcome> {
  const first = await newUser(browser);
  const second = await newUser(browser);
  try {
    // The first user starts a call from the landing page and joins.
    await first.page.goto(`${url}/`);
    await Promise.all([first.page.waitForNavigation(), first.page.click("#start-call")]);
    const room = first.page.url();
    if (!/\/r\/[A-Za-z0-9_-]+$/.test(room)) {
      return { ok: false, error: `start-call led to ${room}` };
    }
    await first.page.waitForSelector("#join:not([disabled])", { timeout: timeoutMs });
    await first.page.click("#join");
    await first.page.waitForSelector('#app[data-screen="call"]', { timeout: timeoutMs });
    await first.page.evaluate(watchFirstFrame, "#remote-video");

    // The second user opens the link; the clock starts at their Join.
    await second.page.goto(room);
    await second.page.waitForSelector("#join:not([disabled])", { timeout: timeoutMs });
    await second.page.evaluate(watchFirstFrame, "#remote-video");
    await second.page.evaluate(() => {
      const w = globalThis as unknown as { __joinAt?: number };
      document.querySelector("#join")!.addEventListener("click", () => {
        w.__joinAt ??= performance.timeOrigin + performance.now();
      }, { capture: true });
    });
    await second.page.click("#join");
    const [firstAt, secondAt] = await bothFirstFrames(first, second, timeoutMs);
    const joinAt = await second.page.evaluate(() =>
      (globalThis as unknown as { __joinAt: number }).__joinAt
    );
    return timings(joinAt, firstAt, secondAt);
  } catch (error) {
    return { ok: false, error: describe(error) };
  } finally {
    await Promise.all([first.context.close(), second.context.close()]).catch(() => {});
  }
}

async function tutorialCall(
  browser: Browser,
  url: string,
  timeoutMs: number,
  script: string | null,
): Promise<CallOutcome> {
  const first = await newUser(browser, script);
  const second = await newUser(browser, script);
  try {
    // The tutorial's page offers as soon as it loads; the first user waits until it has (a page
    // that throws before that never will).
    await first.page.goto(`${url}/`);
    await Promise.race([
      first.crashed,
      first.page.waitForFunction(
        "typeof peerConnection !== 'undefined' && peerConnection && peerConnection.localDescription",
        { timeout: timeoutMs, polling: 20 },
      ),
    ]);
    await first.page.evaluate(watchFirstFrame, "#remoteVideo");
    // The second user opening the page is the tutorial's "Join": the clock starts at navigation.
    await second.page.evaluateOnNewDocument(watchFirstFrame, "#remoteVideo");
    await second.page.goto(`${url}/`);
    const joinAt = await second.page.evaluate(() => performance.timeOrigin);
    const [firstAt, secondAt] = await bothFirstFrames(first, second, timeoutMs);
    return timings(joinAt, firstAt, secondAt);
  } catch (error) {
    return { ok: false, error: describe(error) };
  } finally {
    await Promise.all([first.context.close(), second.context.close()]).catch(() => {});
  }
}

function timings(joinAt: number, firstAt: number, secondAt: number): CallOutcome {
  const firstUserMs = Math.round((firstAt - joinAt) * 10) / 10;
  const secondUserMs = Math.round((secondAt - joinAt) * 10) / 10;
  return { ok: true, firstUserMs, secondUserMs, bothMs: Math.max(firstUserMs, secondUserMs) };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`call hung for ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
