/**
 * What a page shows and what went wrong in it, appended to every failed wait of the browser
 * helpers, so a failure says where the call stood.
 *
 * @module
 */
import type { Page } from "puppeteer-core";

const owners = new WeakMap<Page, { name: string; errors: string[] }>();

/** Names `page` after its person, with the list its console and page errors go to. */
export function ownPage(page: Page, name: string, errors: string[]): void {
  owners.set(page, { name, errors });
}

/** What the page shows and what went wrong in it. */
export async function describePage(page: Page): Promise<string> {
  const owner = owners.get(page);
  let shown: string;
  try {
    shown = await page.evaluate(() => {
      const app = document.getElementById("app");
      const remote = document.getElementById("remote-video") as HTMLVideoElement | null;
      const main = document.querySelector("main") as HTMLElement | null;
      return [
        `url: ${location.href}`,
        `screen: ${app?.dataset.screen}, state: ${app?.dataset.state}`,
        `status: ${JSON.stringify(document.getElementById("status")?.textContent?.trim())}`,
        `on screen: ${JSON.stringify(main?.innerText.replace(/\s+/g, " ").trim().slice(0, 400))}`,
        `remote video frames: ${remote?.getVideoPlaybackQuality?.().totalVideoFrames}`,
      ].join("\n  ");
    });
  } catch (error) {
    shown = `(page unreadable: ${(error as Error).message})`;
  }
  const errors = owner?.errors.length ? owner.errors.join("\n    ") : "none";
  return `${owner?.name ?? "page"}:\n  ${shown}\n  errors:\n    ${errors}`;
}

/** Runs a wait; when it fails, rethrows with `what` and the page's description. */
export async function explained<T>(page: Page, what: string, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message}\n${await describePage(page)}`, {
      cause: error,
    });
  }
}
