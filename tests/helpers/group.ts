/**
 * Helpers for browser tests of group calls: a small camera (four people on two cores), a group's
 * room, a person whose peer connections are watched (`peer_watch.ts`), waiting until each person
 * sees the others moving in a tile of their own, and a failure that describes every page with what
 * its peer connections went through.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { movingPattern } from "../../bench/test_pattern.ts";
import {
  decodedFrames,
  describePage,
  LIVE,
  newUser,
  pressJoin,
  type User,
  waitForFrames,
} from "./browser.ts";
import { byRole } from "./screen.ts";
import { pageLog, watchPeerConnections } from "./peer_watch.ts";

/**
 * The pictures' size and rate: four people each encoding three pictures and decoding three on two
 * cores. 10 frames a second still shows a moving picture within a second (LIVE frames).
 */
const [WIDTH, HEIGHT, FPS] = [320, 180, 10];

let cameraFile: string | undefined;

/**
 * Chromium flags and Firefox prefs for a small camera. Chromium's fake camera plays a moving
 * 320×180 pattern at 10 frames/s, without grain (a file written once per test process). Firefox's
 * makes what the page asks (1280×720 at 30 frames/s; it has no setting for its size), so it sends
 * the group's 360p; its prefs cap what it asks the others for, as its decoder's limits: 320×180
 * (`max_fs`, in 16×16 blocks) at 10 frames/s (`max_fr`).
 */
export async function smallCamera(): Promise<
  { chromium: string[]; firefox: Record<string, unknown> }
> {
  if (!cameraFile) {
    cameraFile = await Deno.makeTempFile({ prefix: "parley-camera-", suffix: ".y4m" });
    await Deno.writeFile(cameraFile, movingPattern(WIDTH, HEIGHT, FPS, { fps: FPS, grain: false }));
    const file = cameraFile;
    globalThis.addEventListener("unload", () => Deno.removeSync(file));
  }
  const blocks = Math.ceil(WIDTH / 16) * Math.ceil(HEIGHT / 16);
  return {
    chromium: [`--use-file-for-fake-video-capture=${cameraFile}`],
    firefox: { "media.navigator.video.max_fs": blocks, "media.navigator.video.max_fr": FPS },
  };
}

/** A new group room of `size` on `url`, made as "Start a group call" makes it: its path. */
export async function newGroupRoom(url: string, size: number): Promise<string> {
  const response = await fetch(new URL(`/new?size=${size}`, url), {
    method: "POST",
    redirect: "manual",
  });
  await response.body?.cancel();
  const location = response.headers.get("location");
  if (response.status !== 303 || !location) {
    throw new Error(`POST /new?size=${size} answered ${response.status}, location ${location}`);
  }
  return location;
}

/**
 * The local ICE username fragment of each of `page`'s peer connections, in the order made ("closed"
 * for one closed since: Firefox no longer shows its description).
 */
export function iceUfrags(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections.map((pc) => {
        if (pc.signalingState === "closed") return "closed";
        return /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? "")?.[1] ?? "none";
      })
  );
}

/** A smaller window than the usual 1280×720, for four pages to draw on two cores. */
export const SMALL_WINDOW = { width: 960, height: 540 };

/**
 * A person named `name` at `path` of `url`, their peer connections watched, in a window of
 * `viewport` (default 1280×720), with noise suppression off (as if they had turned it off before:
 * its own test checks it, and four pages running it take CPU the call needs).
 */
export async function person(
  browser: Browser,
  url: string,
  { name, path, viewport }: {
    name: string;
    path: string;
    viewport?: { width: number; height: number };
  },
): Promise<User> {
  const user = await newUser(browser, url, { name, viewport });
  await user.page.evaluateOnNewDocument(() => {
    try {
      localStorage.setItem("parley.effects", JSON.stringify({ noise: "off" }));
    } catch {
      // A page without storage (about:blank).
    }
  });
  await watchPeerConnections(user.page);
  await user.page.goto(new URL(path, url).href);
  return user;
}

/** `user` gives their name (the test's name for them) on the pre-join screen and joins. */
export async function joinAs(user: User): Promise<void> {
  await (await byRole(user.page, "textbox", /^Your name/)).type(user.name);
  await pressJoin(user.page);
}

/** The video of `name`'s camera tile, found by its accessible name. */
export function tileOf(name: string): string {
  return `video[aria-label="${name}'s camera"]`;
}

/** `name` Bidi-isolated, as the page shows names, for matching what the page says. */
export function named(name: string): string {
  return `\u2068${name}\u2069`;
}

/** Waits until `user` sees each of `names` moving in a tile of their own. */
async function seesMoving(user: User, names: string[]): Promise<void> {
  // Several pages encoding and decoding on a shared machine: give each picture its time.
  for (const name of names) {
    await waitForFrames(user.page, LIVE, { selector: tileOf(name), timeoutMs: 45_000 });
  }
}

/** Each user beside the names of all the others: what each should see in a call of `users`. */
export function eachWithOthers(users: User[]): [User, string[]][] {
  return users.map((user) => [user, users.filter((u) => u !== user).map((u) => u.name)]);
}

/** Waits until each user sees the names beside them moving; a failure describes every page. */
export async function allSee(seen: [User, string[]][]): Promise<void> {
  await Promise.all(seen.map(([user, names]) => seesMoving(user, names))).catch(async (error) => {
    // Whose connection did not come: every page, not only the one that waited.
    throw new Error(`${(error as Error).message}\n${await describeAll(seen.map(([u]) => u))}`);
  });
}

/** Every page as it stands, with what its peer connections and call went through. */
export async function describeAll(users: User[]): Promise<string> {
  const pages = await Promise.all(users.map(async (user) => {
    const log = (await pageLog(user.page)).join("\n    ");
    return `${await describePage(user.page)}\n  log:\n    ${log}`;
  }));
  return pages.join("\n");
}

/** Each `[user, names]`: the frames `user` has decoded so far of each of `names`' tiles. */
function framesOf(seen: [User, string[]][]): Promise<number[][]> {
  return Promise.all(
    seen.map(([user, names]) =>
      Promise.all(names.map((name) => decodedFrames(user.page, tileOf(name))))
    ),
  );
}

/**
 * New frames that show a picture kept moving over a few seconds, be it at a picture paused by the
 * adaptation's one frame a second (a busy machine's delays can look like a poor path to it).
 */
const MOVED = 3;

/**
 * Runs `during` and checks that every picture of `seen` kept moving meanwhile (at least MOVED new
 * frames): a failure names every picture that stood still and describes every page.
 */
export async function keptMoving(
  seen: [User, string[]][],
  what: string,
  during: () => Promise<void>,
): Promise<void> {
  const before = await framesOf(seen);
  await during();
  const after = await framesOf(seen);
  const still = seen.flatMap(([user, names], i) =>
    names.flatMap((name, j) =>
      after[i][j] - before[i][j] >= MOVED
        ? []
        : [`${user.name} saw ${name} (${before[i][j]} → ${after[i][j]} frames)`]
    )
  );
  if (still.length === 0) return;
  const pages = await describeAll(seen.map(([user]) => user));
  throw new Error(`pictures stood still ${what}: ${still.join(", ")}\n${pages}`);
}
