/**
 * The `group` part of the bench: a call of four beside a call of two, in the same run, each
 * person in a browser context of their own in one Chromium (as the group tests do), every camera the
 * same moving, grainy 320×180 pattern (`test_pattern.ts`: small enough for four on two cores, and
 * a picture the encoder spends its whole budget on).
 *
 * - The floor: in a call of two (a room from "Start a call"), the second person looks at their
 *   preview for a second, gives their name and presses Join; the clock stops when they see the
 *   first person's picture (its first frame presented), and when both sides do.
 * - The fourth person: three people in a group call (a room from "Start a group call") see each
 *   other moving; the fourth joins the same way, and the clock stops when they see all three (and
 *   when all three see them).
 * - Then, all four seeing each other, after a few seconds to settle: each person's upload over a
 *   window (outbound-rtp bytes, RTP headers included, over all their peer connections, video and
 *   audio apart) and the browser's CPU time per second, shared out among the four.
 *
 * The report is group_report.ts.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { closeBrowser, launchChromium, newUser, type User } from "../tests/helpers/browser.ts";
import { allSee, joinAs, person } from "../tests/helpers/group.ts";
import { watchPeerConnections } from "../tests/helpers/peer_watch.ts";
import { LOOK_MS } from "./browser.ts";
import { startTarget } from "./servers.ts";
import { TRACE_DIR, traceFrames, writeTrace } from "./group_trace.ts";
import { round, sleep, treeCpuSeconds } from "./stats.ts";
import { movingPattern } from "./test_pattern.ts";

/** One person's sending in the four-person call, over the window. */
export interface PersonSending {
  name: string;
  videoKbps: number;
  audioKbps: number;
  /** The browser's CPU time per second, shared out among the people in it (1 is one core). */
  cpuCores: number;
  /** Each connection's picture height and frames/s at the window's end. */
  heights: number[];
  framesPerSecond: number[];
}

/** One run: the call of two, the fourth person, the four sending; an error where one failed. */
export interface GroupRun {
  floor: { seesMs: number; bothMs: number } | { error: string };
  fourth: { seesMs: number; bothMs: number } | { error: string };
  sending: PersonSending[] | { error: string };
}

/** Everything the part measured. */
export interface GroupResult {
  runs: GroupRun[];
  camera: string;
  windowSeconds: number;
  ranAt: string;
  command: string;
  commit: string;
  /** The machine's load average (1 minute) at the start and the end. */
  loadAverage: [number, number];
  durationSeconds: number;
}

const NAMES = ["Ada", "Ben", "Cy", "Dee"];
const [WIDTH, HEIGHT] = [320, 180];
/** After all four see each other, before the window: the senders' limits and estimates settle. */
const SETTLE_MS = 8000;

/** Runs the part: `runs` runs, each upload window `windowSeconds` long. */
export async function runGroup(
  runs: number,
  windowSeconds: number,
  stamp: { command: string; commit: string },
  log: (line: string) => void,
): Promise<GroupResult> {
  const started = performance.now();
  const loadBefore = round(Deno.loadavg()[0], 2);
  const dir = await Deno.makeTempDir({ prefix: "parley-group-" });
  const camera = `${dir}/camera.y4m`;
  await Deno.writeFile(camera, movingPattern(WIDTH, HEIGHT, 60));
  const server = await startTarget("parley");
  let browser: Browser | undefined;
  const result: GroupRun[] = [];
  try {
    browser = await launchChromium({ args: [`--use-file-for-fake-video-capture=${camera}`] });
    for (let i = 1; i <= runs; i++) {
      const run = await oneRun(browser, server.url, windowSeconds);
      result.push(run);
      log(`  run ${i}: ${say(run)}`);
    }
  } finally {
    await closeBrowser(browser);
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return {
    runs: result,
    camera: `${WIDTH}×${HEIGHT}, 30 frames/s`,
    windowSeconds,
    ranAt: new Date().toISOString(),
    ...stamp,
    loadAverage: [loadBefore, round(Deno.loadavg()[0], 2)],
    durationSeconds: Math.round((performance.now() - started) / 1000),
  };
}

function say(run: GroupRun): string {
  const timed = (t: GroupRun["floor"]) =>
    "error" in t ? t.error : `${t.seesMs} ms (both sides ${t.bothMs} ms)`;
  const sending = "error" in run.sending
    ? run.sending.error
    : run.sending.map((p) => `${p.name} ${p.videoKbps}+${p.audioKbps} kbit/s ${p.cpuCores} cores`)
      .join(", ");
  return `call of two ${timed(run.floor)}; fourth ${timed(run.fourth)}; ${sending}`;
}

const failure = (error: unknown) => ({
  error: String((error as Error)?.message ?? error).split("\n")[0],
});

async function oneRun(browser: Browser, url: string, windowSeconds: number): Promise<GroupRun> {
  let people: User[] = [];
  const run: GroupRun = { floor: { error: "not run" }, fourth: { error: "not run" }, sending: [] };
  try {
    people = await enter(browser, 2, await newRoom(url, 2), url);
    run.floor = await lastJoins(people);
  } catch (error) {
    run.floor = failure(error);
  } finally {
    await Promise.all(people.map((p) => p.close()));
  }
  try {
    people = await enter(browser, 4, await newRoom(url, 4), url);
    run.fourth = await lastJoins(people);
    await allSee(people.map((p) => [p, NAMES.filter((n) => n !== p.name)]));
    await sleep(SETTLE_MS);
    run.sending = await sending(browser, people, windowSeconds);
  } catch (error) {
    if (Deno.env.get("PARLEY_BENCH_TRACE")) console.error(error);
    if ("error" in run.fourth && run.fourth.error === "not run") run.fourth = failure(error);
    run.sending = failure(error);
  } finally {
    await Promise.all(people.map((p) => p.close()));
  }
  return run;
}

/** A room made as the landing page makes it (`POST /new`, `?size=N` for a group). */
async function newRoom(url: string, size: number): Promise<string> {
  const asked = new URL(size > 2 ? `/new?size=${size}` : "/new", url);
  const response = await fetch(asked, { method: "POST", redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status !== 303 || !location) {
    throw new Error(`POST ${asked} answered ${response.status}`);
  }
  return new URL(location, url).href;
}

/**
 * One person in each of `browsers` at `room`: all but the last join and see each other moving;
 * the last has the room open, not yet joined.
 */
async function enter(browser: Browser, count: number, room: string, url: string) {
  const people: User[] = [];
  for (let i = 0; i < count; i++) {
    const user = await (TRACE_DIR ? tracedPerson : person)(browser, url, {
      name: NAMES[i],
      path: room,
    });
    people.push(user);
    if (i === count - 1) break;
    await joinAs(user);
    const joined = people.map((p) => [p, people.filter((o) => o !== p).map((o) => o.name)]);
    await allSee(joined as [User, string[]][]);
  }
  return people;
}

/**
 * The last of `people` looks at their preview, gives their name and joins: until they see every
 * other person's picture, and until every other person sees theirs (first frames presented).
 */
async function lastJoins(people: User[]) {
  const newcomer = people.at(-1)!;
  const others = people.slice(0, -1);
  // The watch first: the tiles already there present a frame while the newcomer looks.
  await Promise.all(people.map((p) => p.page.evaluate(watchTiles)));
  await sleep(LOOK_MS);
  await joinAs(newcomer);
  const clicked = await newcomer.page.evaluate(() =>
    (globalThis as unknown as { __tiles: Watch }).__tiles.click
  );
  if (clicked === null) throw new Error("the Join click was not seen");
  const sees = await newFrames(newcomer.page, clicked, others.length);
  const seen = await Promise.all(others.map((p) => newFrames(p.page, clicked, 1)));
  if (TRACE_DIR) {
    await writeTrace(TRACE_DIR, `join-of-${people.length}-${clicked}.txt`, people, clicked);
    await newcomer.page.screenshot({
      path: `${TRACE_DIR}/join-of-${people.length}-${clicked}.png`,
    });
  }
  const last = (times: number[]) => Math.max(...times) - clicked;
  return { seesMs: round(last(sees)), bothMs: round(Math.max(last(sees), ...seen.map(last))) };
}

/** `person` with the trace's frame watch installed too (`PARLEY_BENCH_TRACE`). */
async function tracedPerson(browser: Browser, url: string, who: { name: string; path: string }) {
  const user = await newUser(browser, url, { name: who.name });
  await watchPeerConnections(user.page);
  await traceFrames(user.page);
  await user.page.goto(new URL(who.path, url).href);
  return user;
}

type Watch = { click: number | null; first: number[] };

/**
 * Runs in a page: notes the time (ms since the epoch, comparable across pages) of the first click
 * from now on, and of the first frame each remote tile's video presents.
 */
function watchTiles() {
  const g = globalThis as unknown as { __tiles?: Watch };
  const watch: Watch = g.__tiles = { click: null, first: [] };
  const at = (t: number) => performance.timeOrigin + t;
  document.addEventListener("click", () => (watch.click ??= at(performance.now())), true);
  const seen = new WeakSet<HTMLVideoElement>();
  setInterval(() => {
    for (const video of document.querySelectorAll<HTMLVideoElement>(".tile.remote video")) {
      if (seen.has(video) || !video.srcObject) continue;
      seen.add(video);
      video.requestVideoFrameCallback((now) => watch.first.push(at(now)));
    }
  }, 5);
}

/** Waits until `page` has presented a first frame in `count` tiles since `since`; their times. */
async function newFrames(page: Page, since: number, count: number): Promise<number[]> {
  await page.waitForFunction(
    (t: number, n: number) =>
      (globalThis as unknown as { __tiles: Watch }).__tiles.first.filter((x) => x >= t).length >= n,
    { timeout: 45_000, polling: 50 },
    since,
    count,
  ).catch(() => {
    throw new Error(`no picture in ${count} new tile(s) within 45 s`);
  });
  return await page.evaluate(
    (t: number) =>
      (globalThis as unknown as { __tiles: Watch }).__tiles.first.filter((x) => x >= t),
    since,
  );
}

type Sent = { video: number; audio: number; heights: number[]; framesPerSecond: number[] };

/** Runs in a page: bytes sent so far (RTP headers included) over all its peer connections. */
async function sentSoFar(): Promise<Sent> {
  const out: Sent = { video: 0, audio: 0, heights: [], framesPerSecond: [] };
  const pcs = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
    .parleyPeerConnections.filter((pc) => pc.connectionState === "connected");
  for (const pc of pcs) {
    (await pc.getStats()).forEach((s) => {
      if (s.type !== "outbound-rtp" || (s.kind !== "video" && s.kind !== "audio")) return;
      out[s.kind as "video" | "audio"] += (s.bytesSent ?? 0) + (s.headerBytesSent ?? 0);
      if (s.kind === "video") {
        out.heights.push(s.frameHeight ?? 0);
        out.framesPerSecond.push(Math.round(s.framesPerSecond ?? 0));
      }
    });
  }
  return out;
}

/** Each person's upload and browser CPU over `seconds`. */
async function sending(browser: Browser, people: User[], seconds: number) {
  const pid = browser.process()?.pid;
  if (!pid) throw new Error("no browser process to measure");
  const sent = () => Promise.all(people.map((p) => p.page.evaluate(sentSoFar)));
  const cpu = async () => (await treeCpuSeconds(pid)) / people.length;
  const [sent0, cpu0, t0] = [await sent(), await cpu(), performance.now()];
  await sleep(seconds * 1000);
  const [sent1, cpu1, t1] = [await sent(), await cpu(), performance.now()];
  const elapsed = (t1 - t0) / 1000;
  const kbps = (bytes: number) => round((bytes * 8) / elapsed / 1000);
  return people.map((p, i): PersonSending => ({
    name: p.name,
    videoKbps: kbps(sent1[i].video - sent0[i].video),
    audioKbps: kbps(sent1[i].audio - sent0[i].audio),
    cpuCores: round((cpu1 - cpu0) / elapsed, 2),
    heights: sent1[i].heights,
    framesPerSecond: sent1[i].framesPerSecond,
  }));
}
