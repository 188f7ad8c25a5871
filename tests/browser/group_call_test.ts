/**
 * A group call as people live it: three people, two in real Chromium (each in their own context)
 * and one in Firefox, fake cameras and microphones, start it from the landing page, see each
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
  launchFirefox,
  newUser,
  pressJoin,
  waitForAlert,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import { byRole } from "../helpers/screen.ts";
import { layoutProblems, VIEWPORTS } from "../helpers/layout.ts";
import { sendChat, waitForMessage } from "../helpers/joined_pair.ts";
import { allSee, named, person, tileOf } from "../helpers/group.ts";

/**
 * The tiles of the other people as laid out on `page`: the problems a designer would see (the
 * layout check's, tiles overlapping each other, the tiles together under half the screen).
 */
async function gridProblems(page: Page): Promise<string[]> {
  const problems = await layoutProblems(page);
  // Every tile shown, yours too: yours over someone's picture is an overlap.
  const tiles = await page.$$eval(".tile:not([hidden])", (els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }));
  const { width, height } = page.viewport()!;
  let area = 0;
  tiles.forEach((a, i) => {
    area += (a.right - a.left) * (a.bottom - a.top);
    for (const b of tiles.slice(i + 1)) {
      const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (x > 1 && y > 1) problems.push("two tiles overlap");
    }
  });
  if (area / (width * height) < 0.5) {
    problems.push(`the tiles take ${Math.round((100 * area) / (width * height))}% of the screen`);
  }
  return problems;
}

async function typeName(page: Page, name: string): Promise<void> {
  await (await byRole(page, "textbox", /^Your name/)).type(name);
}

Deno.test({
  name:
    "Chromium and Firefox: a group of three from the landing page: a moving tile for each other person, " +
    "chat to everyone, one leaves and the others go on, a fourth is turned away",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer({ env: { MAX_ROOM_SIZE: "3" } });
    let browser: Browser | undefined;
    let firefox: Browser | undefined;
    try {
      browser = await launchChromium();
      firefox = await launchFirefox();
      const ada = await person(browser, server.url, { name: "Ada", path: "/" });
      const start = await byRole(ada.page, "button", "Start a group call");
      await Promise.all([ada.page.waitForNavigation(), start.click()]);
      const room = ada.page.url();
      await typeName(ada.page, "Ada");
      await pressJoin(ada.page);
      await waitForStatus(ada.page, /Waiting for the other/);
      await byRole(ada.page, "heading", "Waiting for the others");

      // Ben comes in Firefox: every pair with him is a Chromium–Firefox connection.
      const ben = await person(firefox, server.url, { name: "Ben", path: room });
      await typeName(ben.page, "Ben");
      await pressJoin(ben.page);
      await allSee([[ada, ["Ben"]], [ben, ["Ada"]]]);

      const cy = await person(browser, server.url, { name: "Cy", path: room });
      // Before joining, Cy is told who is there (in numbers: names travel peer to peer).
      await waitForScreenText(cy.page, "2 people are in the call.");
      await typeName(cy.page, "Cy");
      await pressJoin(cy.page);
      await allSee([[ada, ["Ben", "Cy"]], [ben, ["Ada", "Cy"]], [cy, ["Ada", "Ben"]]]);
      await waitForStatus(ada.page, `${named("Ben")} and ${named("Cy")} are in the call.`);
      await waitForStatus(cy.page, `${named("Ada")} and ${named("Ben")} are in the call.`);
      assert.equal(
        await ada.page.title(),
        `Parley — ${named("Ben")} and ${named("Cy")} are in the call`,
      );

      // The grid of two others on a desktop, an upright phone, a phone on its side, and in dark.
      const shots = Deno.env.get("UPDATE_SCREENSHOTS") === "1";
      for (const shot of ["desktop", "phone", "landscape", "dark"] as const) {
        const mode = shot === "dark" ? "desktop" : shot;
        const theme = shot === "dark" ? "dark" : "light";
        await ada.page.setViewport(VIEWPORTS[mode]);
        await ada.page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        await ada.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
        assert.deepEqual(await gridProblems(ada.page), [], `the grid of three on ${shot}`);
        const path = new URL(`../../docs/screens/group-${shot}.png`, import.meta.url).pathname;
        if (shots) await ada.page.screenshot({ path });
      }
      await ada.page.evaluate(() => (document.documentElement.dataset.theme = "light"));
      await ada.page.setViewport(VIEWPORTS.desktop);

      // A message goes to everyone.
      await clickButton(ada.page, "Chat");
      await sendChat(ada.page, "Hello both");
      for (const other of [ben, cy]) {
        await clickButton(other.page, /^Chat/);
        const heard = await waitForMessage(other.page, "them", /^Hello both$/);
        assert.equal(heard.text, "Hello both");
      }

      // A fourth: the room is full, said before Join (before the camera, on a server that answers
      // within a second).
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
      await allSee([[ada, ["Ben"]], [ben, ["Ada"]]]);
      assert.equal(await ada.page.$(tileOf("Cy")), null, "Cy's tile is gone");

      assert.deepEqual([...ada.errors, ...ben.errors, ...cy.errors], [], "no errors in the pages");
    } finally {
      await closeBrowser(firefox);
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
