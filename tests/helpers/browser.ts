/**
 * Test helpers: real browsers (the system Chromium and Firefox, driven by puppeteer-core) with
 * fake cameras and microphones, one browser context per simulated person, and waits that check
 * what a person would notice (video that keeps moving, the words on the page).
 *
 * @module
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from "puppeteer-core";
import { describePage, explained, ownPage } from "./explain.ts";
import { IN_CI } from "./requirements.ts";
import type { WaitOptions } from "./screen.ts";

export { describePage } from "./explain.ts";
export {
  byRole,
  chooseFromMenu,
  clickButton,
  focusedName,
  hasRole,
  isPressed,
  namesOf,
  noticeText,
  pressJoin,
  screenText,
  statusText,
  waitForAlert,
  waitForNotice,
  waitForScreenText,
  waitForStatus,
  type WaitOptions,
} from "./screen.ts";

/** Chromium flags that make WebRTC work headless, as root, offline (see ENVIRONMENT.md). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--use-fake-device-for-media-stream",
  "--autoplay-policy=no-user-gesture-required",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/** Grants camera and microphone without a prompt. Left out to test a refused camera. */
export const FAKE_UI_ARG = "--use-fake-ui-for-media-stream";

/** Firefox prefs for the same: fake devices, no prompt, host candidates as addresses. */
const FIREFOX_PREFS = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.peerconnection.ice.obfuscate_host_addresses": false,
};

/** Where a connection or a first frame may take long on a loaded 2-core machine. */
export const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Options for every browser test: puppeteer keeps its browser connection and timers open across
 * tests in ways Deno's sanitizers report as leaks; each test closes its browsers and stops its
 * server in a finally block instead.
 */
export const BROWSER_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Frames the other person's video must advance by to count as live (about half a second). */
export const LIVE = 10;

/**
 * Saves a screenshot of `page` as `docs/<name>.png` for the README and docs/, only when asked
 * (`UPDATE_SCREENSHOTS=1 deno task test`): a plain test run leaves the working tree as it was.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (Deno.env.get("UPDATE_SCREENSHOTS") !== "1") return;
  const root = new URL("../../", import.meta.url).pathname;
  await Deno.mkdir(`${root}docs`, { recursive: true });
  await page.screenshot({ path: `${root}docs/${name}.png`, type: "png" });
}

/** Options for {@linkcode launchChromium}. */
export interface LaunchChromiumOptions {
  /**
   * Whether camera and microphone are granted without asking (default true). With false, no
   * prompt is shown and every request is refused, as when a person clicks "Block".
   */
  grantMedia?: boolean;
  /**
   * A program to start instead of Chromium, with Chromium's arguments: a wrapper script, e.g. one
   * that runs Chromium in a network namespace. DevTools then speaks over a pipe, since a DevTools
   * port would be out of reach in there.
   */
  executablePath?: string;
  /** Chromium flags on top of the usual ones. */
  args?: string[];
}

/** The executable for `name`, from `envVar` or `fallback`; throws a clear error when missing. */
async function executable(name: string, envVar: string, fallback: string): Promise<string> {
  const path = Deno.env.get(envVar) || fallback;
  try {
    const info = await Deno.stat(path);
    if (info.isFile) return path;
  } catch {
    // Reported below.
  }
  const where = IN_CI
    ? "CI must run the browser tests: .ci/run installs the browsers with apt-get"
    : "install it (apt-get install -y chromium firefox-esr)";
  throw new Error(`${name} not found at ${path} (set ${envVar} to its path, or ${where})`);
}

/** Starts the system Chromium headless with a fake camera and microphone. */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ??
    await executable("Chromium", "PARLEY_CHROMIUM", "/usr/bin/chromium");
  const args = options.grantMedia === false
    ? [...CHROMIUM_ARGS, "--deny-permission-prompts"]
    : [...CHROMIUM_ARGS, FAKE_UI_ARG];
  return await puppeteer.launch({
    executablePath,
    headless: true,
    args: [...args, ...options.args ?? []],
    pipe: options.executablePath !== undefined,
  });
}

/** Options for {@linkcode launchFirefox}. */
export interface LaunchFirefoxOptions {
  /**
   * An X display (tests/helpers/xvfb.ts) to run on instead of headless: headless Firefox has no
   * WebGL here, a windowed one on Xvfb has (Mesa's software renderer).
   */
  display?: string;
  /** Firefox prefs on top of the usual ones (fake devices, no prompt, addresses as candidates). */
  prefs?: Record<string, unknown>;
}

/** Starts the system Firefox (WebDriver BiDi), headless, with a fake camera and microphone. */
export async function launchFirefox(options: LaunchFirefoxOptions = {}): Promise<Browser> {
  const executablePath = await executable("Firefox", "PARLEY_FIREFOX", "/usr/bin/firefox-esr");
  return await puppeteer.launch({
    browser: "firefox",
    executablePath,
    headless: options.display === undefined,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...options.prefs },
    ...(options.display ? { env: { ...Deno.env.toObject(), DISPLAY: options.display } } : {}),
  });
}

/** How long a browser may take to close before its process is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Closes `browser`, never throwing (for `finally` blocks). When closing fails or takes longer than
 * CLOSE_TIMEOUT_MS, the browser process is killed, so no headless browser outlives the test (nor
 * holds the suite up).
 */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      browser.close(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("close timed out")), CLOSE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    try {
      browser.process()?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  } finally {
    clearTimeout(timer);
  }
}

/** One simulated person: their own browser context (cookies, storage, permissions) and tab. */
export interface User {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors so far, for failure messages. */
  errors: string[];
  /** Closes the person's context (their tab with it). */
  close(): Promise<void>;
}

/** Options for {@linkcode newUser}. */
export interface NewUserOptions {
  /** Shown in failure messages; default "user". */
  name?: string;
  /** Path to open, relative to `baseUrl`; default none (about:blank). */
  path?: string;
  /** Viewport size; default 1280×720. */
  viewport?: { width: number; height: number };
}

/** A new person in `browser`, in their own context, optionally with `options.path` open. */
export async function newUser(
  browser: Browser,
  baseUrl: string,
  options: NewUserOptions = {},
): Promise<User> {
  const name = options.name ?? "user";
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  ownPage(page, name, errors);
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // A failed load names its URL only in the message's location: say which resource it was.
    const url = message.location()?.url;
    const text = message.text();
    errors.push(
      `console: ${text}${
        url && text.startsWith("Failed to load") ? ` (${new URL(url).pathname})` : ""
      }`,
    );
  });
  page.on("pageerror", (error) => errors.push(`page error: ${(error as Error).message ?? error}`));
  // Leaving a call asks first (beforeunload); a test that reloads or leaves means it.
  page.on("dialog", (dialog) => {
    if (dialog.type() === "beforeunload") void dialog.accept().catch(() => {});
  });
  await page.setViewport(options.viewport ?? { width: 1280, height: 720 });
  if (options.path !== undefined) await page.goto(new URL(options.path, baseUrl).href);
  return {
    name,
    context,
    page,
    errors,
    close: async () => {
      try {
        await context.close();
      } catch {
        // The browser is already closed.
      }
    },
  };
}

/** A new room's URL, made the way the landing page's "Start a call" makes it (POST /new). */
export async function newRoomUrl(baseUrl: string): Promise<string> {
  const response = await fetch(new URL("/new", baseUrl), { method: "POST", redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status !== 303 || !location) {
    throw new Error(`POST /new answered ${response.status}, location ${location}`);
  }
  return new URL(location, baseUrl).href;
}

/**
 * How many frames `selector`'s video has decoded so far: getVideoPlaybackQuality() where it
 * counts MediaStream video (Chromium), the painted-frame counter in Firefox.
 */
export async function decodedFrames(page: Page, selector: string): Promise<number> {
  return Number(await page.evaluate(framesAtLeast, selector, 0));
}

/**
 * Runs in the page: the decoded frame count of a `<video>` when it is at least `target`, else
 * false. (One function for reading and for waiting: the page's CSP forbids building code there.)
 */
function framesAtLeast(sel: string, target: number): number | false {
  const video = document.querySelector(sel) as
    | (HTMLVideoElement & { mozDecodedFrames?: number; mozPaintedFrames?: number })
    | null;
  if (!video || !video.srcObject) return target <= 0 ? 0 : false;
  const quality = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
  const count = Math.max(quality, video.mozDecodedFrames ?? 0, video.mozPaintedFrames ?? 0);
  return count >= target ? count : false;
}

/**
 * Waits until `selector`'s video (default #remote-video) decodes `minAdvance` more frames than it
 * had when called: the picture is moving, not frozen on one frame. Resolves with the count.
 */
export async function waitForFrames(
  page: Page,
  minAdvance: number,
  options: WaitOptions & { selector?: string } = {},
): Promise<number> {
  const selector = options.selector ?? "#remote-video";
  const start = await decodedFrames(page, selector);
  const reached = await explained(
    page,
    `${selector} did not decode ${minAdvance} more frames (had ${start})`,
    () =>
      page.waitForFunction(
        framesAtLeast,
        { timeout: options.timeoutMs ?? CONNECT_TIMEOUT_MS, polling: 100 },
        selector,
        start + Math.max(1, minAdvance),
      ),
  );
  return Number(await reached.jsonValue());
}

/** Waits until the other person's video (#remote-video) has decoded `minAdvance` more frames. */
export function waitForRemoteFrames(
  page: Page,
  minAdvance: number,
  options: WaitOptions = {},
): Promise<number> {
  return waitForFrames(page, minAdvance, options);
}

/**
 * The average brightness (0-255 luma) of `selector`'s current video frame, drawn to a small
 * canvas: what a person sees, black or not.
 */
export async function videoBrightness(page: Page, selector = "#remote-video"): Promise<number> {
  return await page.evaluate((sel) => {
    const video = document.querySelector(sel) as HTMLVideoElement;
    if (!video.videoWidth) return 0;
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 36;
    const context = canvas.getContext("2d", { willReadFrequently: true })!;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
      sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
    }
    return sum / (data.length / 4);
  }, selector);
}

/** Waits until {@linkcode videoBrightness} of `selector` satisfies `test`; resolves with it. */
export async function waitForBrightness(
  page: Page,
  what: string,
  test: (brightness: number) => boolean,
  options: WaitOptions & { selector?: string } = {},
): Promise<number> {
  const selector = options.selector ?? "#remote-video";
  const deadline = Date.now() + (options.timeoutMs ?? CONNECT_TIMEOUT_MS);
  const seen: number[] = [];
  for (;;) {
    const brightness = await videoBrightness(page, selector);
    if (test(brightness)) return brightness;
    seen.push(Math.round(brightness));
    if (Date.now() > deadline) {
      throw new Error(
        `${selector} never became ${what}; brightness seen: ${
          seen.slice(-20).join(", ")
        }\n${await describePage(page)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The loudest moment of `selector`'s sound (default #remote-video) during `ms`: the highest RMS
 * (0 to 1) of short windows, read through Web Audio from the element's stream.
 */
export async function audioPeak(
  page: Page,
  ms = 1000,
  selector = "#remote-video",
): Promise<number> {
  return await page.evaluate(
    async (sel: string, duration: number) => {
      const video = document.querySelector(sel) as HTMLVideoElement;
      const stream = video.srcObject as MediaStream | null;
      if (!stream || stream.getAudioTracks().length === 0) return 0;
      const audio = new AudioContext();
      try {
        const analyser = audio.createAnalyser();
        analyser.fftSize = 2048;
        audio.createMediaStreamSource(stream).connect(analyser);
        const samples = new Float32Array(analyser.fftSize);
        let peak = 0;
        const end = performance.now() + duration;
        while (performance.now() < end) {
          analyser.getFloatTimeDomainData(samples);
          let sum = 0;
          for (const sample of samples) sum += sample * sample;
          peak = Math.max(peak, Math.sqrt(sum / samples.length));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return peak;
      } finally {
        await audio.close();
      }
    },
    selector,
    ms,
  );
}

/**
 * Waits until the other person (#remote-video) can be heard (`audible` true: Chromium's fake
 * microphone beeps twice a second) or is silent (`audible` false). Resolves with the last peak.
 */
export async function waitForAudio(
  page: Page,
  audible: boolean,
  options: WaitOptions = {},
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? CONNECT_TIMEOUT_MS);
  const seen: string[] = [];
  for (;;) {
    const peak = await audioPeak(page);
    if (audible ? peak > 0.05 : peak < 0.005) return peak;
    seen.push(peak.toFixed(3));
    if (Date.now() > deadline) {
      throw new Error(
        `the other person was never ${audible ? "audible" : "silent"}; peaks: ${
          seen.join(", ")
        }\n${await describePage(page)}`,
      );
    }
  }
}

/** The readyState of `user`'s own track of `kind` (what keeps the camera light on), if any. */
export function localTrackState(
  user: User,
  kind: "audio" | "video",
): Promise<string | undefined> {
  return user.page.evaluate((kind) => {
    const stream = (document.getElementById("local-video") as HTMLVideoElement).srcObject as
      | MediaStream
      | null;
    return stream?.getTracks().find((t) => t.kind === kind)?.readyState;
  }, kind);
}
