/**
 * Helpers for browser tests of group calls: a person whose peer connections are watched
 * (`peer_watch.ts`), waiting until each person sees the others moving in a tile of their own, and
 * a failure that describes every page with what its peer connections went through.
 *
 * @module
 */
import type { Browser } from "puppeteer-core";
import { describePage, LIVE, newUser, pressJoin, type User, waitForFrames } from "./browser.ts";
import { byRole } from "./screen.ts";
import { pageLog, watchPeerConnections } from "./peer_watch.ts";

/** A person named `name` at `path` of `url`, their peer connections watched. */
export async function person(
  browser: Browser,
  url: string,
  { name, path }: { name: string; path: string },
): Promise<User> {
  const user = await newUser(browser, url, { name });
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
