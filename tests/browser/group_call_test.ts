/**
 * A group call as people live it: three people in real Chromium (fake cameras and microphones,
 * one browser, each person in their own context) start it from the landing page, see each
 * other's pictures moving in a tile each, chat to everyone, and one leaves while the other two
 * go on and are told; a fourth is turned away before their camera starts. The server runs with
 * `MAX_ROOM_SIZE=3`: the landing page's group (up to four) is capped to what the server seats.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  newUser,
  pressJoin,
  type User,
  waitForAlert,
  waitForFrames,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import { byRole } from "../helpers/screen.ts";
import { sendChat, waitForMessage } from "../helpers/joined_pair.ts";

/** The tile of `name`'s camera: its video, found by its accessible name. */
function tileOf(name: string): string {
  return `video[aria-label="${name}'s camera"]`;
}

/** Waits until `user` sees each of `names` moving in a tile of their own. */
async function seesMoving(user: User, names: string[]): Promise<void> {
  for (const name of names) await waitForFrames(user.page, LIVE, { selector: tileOf(name) });
}

/** `name` (Bidi-isolated, as the page shows names), for matching what the page says. */
function named(name: string): string {
  return `\u2068${name}\u2069`;
}

async function typeName(page: Page, name: string): Promise<void> {
  await (await byRole(page, "textbox", /^Your name/)).type(name);
}

Deno.test({
  name: "Chromium: a group of three from the landing page: a moving tile for each other person, " +
    "chat to everyone, one leaves and the others go on, a fourth is turned away",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer({ env: { MAX_ROOM_SIZE: "3" } });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const ada = await newUser(browser, server.url, { name: "Ada", path: "/" });
      const start = await byRole(ada.page, "button", "Start a group call");
      await Promise.all([ada.page.waitForNavigation(), start.click()]);
      const room = ada.page.url();
      await typeName(ada.page, "Ada");
      await pressJoin(ada.page);
      await waitForStatus(ada.page, /Waiting for the other/);
      await byRole(ada.page, "heading", "Waiting for the others");

      const ben = await newUser(browser, server.url, { name: "Ben", path: room });
      await typeName(ben.page, "Ben");
      await pressJoin(ben.page);
      await Promise.all([seesMoving(ada, ["Ben"]), seesMoving(ben, ["Ada"])]);

      const cy = await newUser(browser, server.url, { name: "Cy", path: room });
      // Before joining, Cy is told who is there (in numbers: names travel peer to peer).
      await waitForScreenText(cy.page, "2 people are in the call.");
      await typeName(cy.page, "Cy");
      await pressJoin(cy.page);
      await Promise.all([
        seesMoving(ada, ["Ben", "Cy"]),
        seesMoving(ben, ["Ada", "Cy"]),
        seesMoving(cy, ["Ada", "Ben"]),
      ]);
      await waitForStatus(ada.page, `${named("Ben")} and ${named("Cy")} are in the call.`);
      await waitForStatus(cy.page, `${named("Ada")} and ${named("Ben")} are in the call.`);
      assert.equal(
        await ada.page.title(),
        `Parley — ${named("Ben")} and ${named("Cy")} are in the call`,
      );

      // A message goes to everyone.
      await clickButton(ada.page, "Chat");
      await sendChat(ada.page, "Hello both");
      for (const other of [ben, cy]) {
        await clickButton(other.page, /^Chat/);
        const heard = await waitForMessage(other.page, "them", /^Hello both$/);
        assert.equal(heard.text, "Hello both");
      }

      // A fourth: the room is full, said before the camera is asked for.
      const dee = await newUser(browser, server.url, { name: "Dee", path: room });
      await waitForAlert(dee.page, "This room is full");
      assert.match(
        await dee.page.evaluate(() => document.body.innerText),
        /All 3 places in this call are taken/,
      );
      await dee.close();

      // Cy leaves: Ada and Ben are told, and still see each other moving.
      await clickButton(cy.page, "Hang up");
      await waitForStatus(
        ada.page,
        `${named("Ben")} is in the call. ${named("Cy")} left the call.`,
      );
      await waitForStatus(
        ben.page,
        `${named("Ada")} is in the call. ${named("Cy")} left the call.`,
      );
      await Promise.all([seesMoving(ada, ["Ben"]), seesMoving(ben, ["Ada"])]);
      assert.equal(await ada.page.$(tileOf("Cy")), null, "Cy's tile is gone");

      assert.deepEqual([...ada.errors, ...ben.errors, ...cy.errors], [], "no errors in the pages");
    } finally {
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
