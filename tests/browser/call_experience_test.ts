/**
 * The call as a person who knows Meet expects it, in real Chromium against the real server, two
 * people on phone-sized screens: the pre-join screen prepares you (microphone meter, your name,
 * who is waiting), the link is at hand while you wait alone, their arrival shows in the tab
 * title, the other side sees your microphone and camera switches (and the camera is really let
 * go), the keyboard works (Ctrl+D, Ctrl+E, focus on each screen's main control), axe-core finds
 * no serious problem on any screen, leaving is calm and Rejoin rejoins at once. Switching camera
 * mid-call keeps the other side's picture going without a new offer.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import { seriousAxeProblems } from "../helpers/axe.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  localTrackState,
  newRoomUrl,
  newUser,
  pressJoin,
  saveScreenshot,
  textOf,
  type User,
  waitForAlert,
  waitForFrames,
  waitForRemoteFrames,
  waitForStatus,
  waitForText,
} from "../helpers/browser.ts";

const PHONE = { width: 390, height: 844 };

/** Fails with the problems when axe-core finds any serious or critical one on `user`'s screen. */
async function assertAccessible(user: User, screen: string): Promise<void> {
  const problems = await seriousAxeProblems(user.page);
  assert.deepEqual(problems, [], `${user.name}, ${screen}: ${JSON.stringify(problems, null, 1)}`);
}

/** The id of the element with keyboard focus. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? "");
}

/** Waits until the keyboard focus is on `#id`. */
async function waitForFocus(user: User, id: string): Promise<void> {
  try {
    await user.page.waitForFunction((id) => document.activeElement?.id === id, {
      timeout: 5000,
      polling: 100,
    }, id);
  } catch {
    assert.fail(`${user.name}: focus on #${await focusedId(user.page)}, not #${id}`);
  }
}

/** Whether `selector` is shown (not inside anything hidden, and laid out). */
function shown(page: Page, selector: string): Promise<boolean> {
  return page.$eval(
    selector,
    (e) => !e.closest("[hidden]") && e.getClientRects().length > 0,
  );
}

Deno.test({
  name: "Chromium, phone screens: pre-join meter and name, the waiting card's link, arrival in " +
    "the title, presence of the other side within 1 s, shortcuts, focus, axe, leave and Rejoin",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const room = await newRoomUrl(server.url);
      const a = await newUser(browser, server.url, { name: "A", viewport: PHONE });
      await a.context.overridePermissions(new URL(server.url).origin, [
        "clipboard-read",
        "clipboard-write",
        "clipboard-sanitized-write",
      ]);
      await a.page.goto(room);

      // Pre-join: the microphone meter moves with the fake microphone's beeps.
      await waitForStatus(a.page, "Ready to join");
      await waitForFocus(a, "join");
      await a.page.waitForFunction(
        () => (document.getElementById("mic-level") as HTMLMeterElement).value > 0.05,
        { timeout: 5000, polling: 50 },
      );
      assert.equal(
        await textOf(a.page, "#occupancy"),
        "No one else is here yet. Join, then send them the link.",
      );
      await a.page.type("#display-name", "Ada");
      await assertAccessible(a, "pre-join");
      await waitForFrames(a.page, LIVE, { selector: "#local-video" });
      await saveScreenshot(a.page, "prejoin-phone");

      // Waiting alone: a card with the link, and Copy puts it on the clipboard.
      await pressJoin(a.page);
      await waitForStatus(a.page, "Waiting for the other person");
      assert.ok(await shown(a.page, "#waiting-card"), "the waiting card shows");
      assert.equal(await a.page.$eval("#invite-link", (e) => (e as HTMLInputElement).value), room);
      await waitForFocus(a, "copy-link");
      await a.page.bringToFront();
      await clickButton(a.page, "Copy link", { within: "#waiting-card" });
      await waitForText(a.page, "#copy-link", /Copied|Ctrl/);
      assert.equal(await textOf(a.page, "#copy-link"), "Copied");
      assert.equal(await a.page.evaluate(() => navigator.clipboard.readText()), room);
      assert.equal(await a.page.title(), "Parley — waiting for them");
      await assertAccessible(a, "waiting");
      await saveScreenshot(a.page, "waiting-phone");

      // B arrives: B is told A is waiting; A's tab title says B joined.
      const b = await newUser(browser, server.url, { name: "B", path: room, viewport: PHONE });
      await waitForText(b.page, "#occupancy", "They are waiting for you.");
      await pressJoin(b.page);
      await Promise.all([waitForRemoteFrames(a.page, LIVE), waitForRemoteFrames(b.page, LIVE)]);
      await waitForStatus(a.page, "Connected.");
      await a.page.waitForFunction(() => document.title === "Parley — they joined", {
        timeout: 5000,
      });
      // The name is isolated in the title (U+2068 … U+2069, invisible), as any peer's text is.
      await b.page.waitForFunction(
        () => document.title.replace(/[\u2068\u2069]/g, "") === "Parley — Ada joined",
        { timeout: 5000 },
      );
      assert.equal(await textOf(b.page, "#remote-name"), "Ada");
      await waitForFocus(b, "toggle-mic");
      assert.ok(!(await shown(a.page, "#waiting-card")), "the card is gone once they are here");

      // A turns the camera off with Ctrl+E: B sees a placeholder with A's initial within 1 s,
      // and A's camera is let go.
      await a.page.keyboard.down("Control");
      await a.page.keyboard.press("e");
      await a.page.keyboard.up("Control");
      const cameraOff = performance.now();
      await waitForText(b.page, "#remote-placeholder", "Ada's camera is off", { timeoutMs: 1000 });
      console.log(
        `camera off → the other side shows it: ${Math.round(performance.now() - cameraOff)} ms`,
      );
      assert.equal(await textOf(b.page, "#remote-initial"), "A");
      assert.equal(await a.page.$eval("#toggle-camera", (e) => e.ariaPressed), "false");
      assert.equal(await localTrackState(a, "video"), "ended", "A's camera is released");

      // Ctrl+D mutes: B sees the badge within 1 s.
      await a.page.keyboard.down("Control");
      await a.page.keyboard.press("d");
      await a.page.keyboard.up("Control");
      const muted = performance.now();
      await waitForText(b.page, "#remote-muted", "Muted", { timeoutMs: 1000 });
      console.log(`mute → the other side shows it: ${Math.round(performance.now() - muted)} ms`);
      assert.equal(await a.page.$eval("#toggle-mic", (e) => e.ariaPressed), "false");
      await assertAccessible(b, "call, the other's camera off");
      await saveScreenshot(b.page, "call-camera-off");

      // Both back on: B sees A's picture move again; the badge and placeholder go.
      await a.page.keyboard.down("Control");
      await a.page.keyboard.press("e");
      await a.page.keyboard.press("d");
      await a.page.keyboard.up("Control");
      await b.page.waitForFunction(
        () =>
          document.getElementById("remote-placeholder")!.hidden &&
          document.getElementById("remote-muted")!.hidden,
        { timeout: 2000 },
      );
      await waitForRemoteFrames(b.page, LIVE);
      assert.equal(await localTrackState(a, "video"), "live");
      await assertAccessible(a, "call");

      // The shortcuts overlay opens on ?.
      await a.page.keyboard.press("?");
      await waitForText(a.page, "#help-overlay", "Turn your camera on or off");
      await assertAccessible(a, "shortcuts");
      await a.page.keyboard.press("Escape");

      // Leaving: a calm screen, focus on Rejoin, which goes straight back in.
      await clickButton(a.page, "Hang up");
      await waitForAlert(a.page, "You left the call.");
      assert.equal(
        await a.page.$eval("#alert", (e) => (e as HTMLElement).dataset.neutral),
        "true",
      );
      await waitForFocus(a, "");
      assert.equal(await a.page.evaluate(() => document.activeElement?.textContent), "Rejoin");
      await assertAccessible(a, "left the call");
      await b.page.waitForFunction(() => document.title === "Parley — they left", {
        timeout: 5000,
      });
      await a.page.keyboard.press("Enter");
      await Promise.all([waitForRemoteFrames(a.page, LIVE), waitForRemoteFrames(b.page, LIVE)]);
      await waitForStatus(a.page, "Connected.");
      assert.deepEqual([...a.errors, ...b.errors], [], "no errors in either page");
    } finally {
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
