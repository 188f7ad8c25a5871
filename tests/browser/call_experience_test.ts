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
import type { Browser, KeyInput } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import { seriousAxeProblems } from "../helpers/axe.ts";
import {
  BROWSER_TEST,
  byRole,
  clickButton,
  closeBrowser,
  focusedName,
  isPressed,
  launchChromium,
  LIVE,
  localTrackState,
  newRoomUrl,
  newUser,
  pressJoin,
  saveScreenshot,
  type User,
  waitForAlert,
  waitForFrames,
  waitForRemoteFrames,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";

const PHONE = { width: 390, height: 844 };

/** Fails with the problems when axe-core finds any serious or critical one on `user`'s screen. */
async function assertAccessible(user: User, screen: string): Promise<void> {
  const problems = await seriousAxeProblems(user.page);
  assert.deepEqual(problems, [], `${user.name}, ${screen}: ${JSON.stringify(problems, null, 1)}`);
}

/** Waits until the keyboard focus is on the control named `name`. */
async function waitForFocus(user: User, name: string): Promise<void> {
  try {
    await user.page.waitForFunction(
      (name) => {
        const el = document.activeElement;
        return el !== document.body &&
          (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim() === name;
      },
      { timeout: 5000, polling: 100 },
      name,
    );
  } catch {
    assert.fail(
      `${user.name}: focus on ${JSON.stringify(await focusedName(user.page))}, not ${name}`,
    );
  }
}

/** Presses `key` with Control held. */
async function control(user: User, key: KeyInput): Promise<void> {
  await user.page.keyboard.down("Control");
  await user.page.keyboard.press(key);
  await user.page.keyboard.up("Control");
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
      await waitForFocus(a, "Join");
      const meter = await byRole(a.page, "meter", "Microphone level");
      await a.page.waitForFunction(
        (m) => (m as HTMLMeterElement).value > 0.05,
        { timeout: 5000, polling: 50 },
        meter,
      );
      await waitForScreenText(a.page, "No one else is here yet. Join, then send them the link.");
      await (await byRole(a.page, "textbox", /^Your name/)).type("Ada");
      await assertAccessible(a, "pre-join");
      await waitForFrames(a.page, LIVE, { selector: "#local-video" });
      await saveScreenshot(a.page, "prejoin-phone");

      // Waiting alone: a card with the link, and Copy puts it on the clipboard.
      await pressJoin(a.page);
      await waitForStatus(a.page, "Waiting for the other person");
      await byRole(a.page, "region", "Waiting for the other person");
      const link = await byRole(a.page, "textbox", "Invite link");
      assert.equal(await link.evaluate((e) => (e as HTMLInputElement).value), room);
      await waitForFocus(a, "Copy link");
      await a.page.bringToFront();
      await clickButton(a.page, "Copy link");
      await byRole(a.page, "button", /Copied|Ctrl/);
      assert.equal(await focusedName(a.page), "Copied");
      assert.equal(await a.page.evaluate(() => navigator.clipboard.readText()), room);
      assert.equal(await a.page.title(), "Parley — waiting for them");
      await assertAccessible(a, "waiting");
      await saveScreenshot(a.page, "waiting-phone");

      // B arrives: B is told A is waiting; A's tab title says B joined.
      const b = await newUser(browser, server.url, { name: "B", path: room, viewport: PHONE });
      await waitForScreenText(b.page, "They are waiting for you.");
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
      await waitForScreenText(b.page, "Ada");
      await waitForFocus(b, "Turn off microphone");
      await a.page.waitForFunction(
        () => !document.body.innerText.includes("Waiting for the other person"),
        { timeout: 5000 },
      ).catch(async (error) => {
        throw new Error(`the card stays: ${await a.page.evaluate(() => document.body.innerText)}`, {
          cause: error,
        });
      });

      // A turns the camera off with Ctrl+E: B sees a placeholder with A's initial within 1 s,
      // and A's camera is let go.
      await control(a, "e");
      const cameraOff = performance.now();
      await waitForScreenText(b.page, "Ada's camera is off", { timeoutMs: 1000 });
      console.log(
        `camera off → the other side shows it: ${Math.round(performance.now() - cameraOff)} ms`,
      );
      await waitForScreenText(b.page, /\bA Ada's camera is off/);
      assert.equal(await isPressed(a.page, "Turn on camera"), false);
      assert.equal(await localTrackState(a, "video"), "ended", "A's camera is released");

      // Ctrl+D mutes: B sees the badge within 1 s.
      await control(a, "d");
      const muted = performance.now();
      await waitForScreenText(b.page, "Muted", { timeoutMs: 1000 });
      console.log(`mute → the other side shows it: ${Math.round(performance.now() - muted)} ms`);
      assert.equal(await isPressed(a.page, "Turn on microphone"), false);
      await assertAccessible(b, "call, the other's camera off");
      await saveScreenshot(b.page, "call-camera-off");

      // Both back on: B sees A's picture move again; the badge and placeholder go.
      await a.page.keyboard.down("Control");
      await a.page.keyboard.press("e");
      await a.page.keyboard.press("d");
      await a.page.keyboard.up("Control");
      await b.page.waitForFunction(
        () =>
          !document.body.innerText.includes("camera is off") &&
          !document.body.innerText.includes("Muted"),
        { timeout: 2000 },
      );
      await waitForRemoteFrames(b.page, LIVE);
      assert.equal(await localTrackState(a, "video"), "live");
      await assertAccessible(a, "call");

      // The shortcuts overlay opens on ?.
      await a.page.keyboard.press("?");
      const shortcuts = await byRole(a.page, "dialog", "Keyboard shortcuts");
      assert.match(
        await shortcuts.evaluate((d) => d.textContent ?? ""),
        /Turn your camera on or off/,
      );
      await assertAccessible(a, "shortcuts");
      await a.page.keyboard.press("Escape");

      // Leaving: a calm screen, focus on Rejoin, which goes straight back in.
      await clickButton(a.page, "Hang up");
      await waitForAlert(a.page, "You left the call");
      await waitForFocus(a, "Rejoin");
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
