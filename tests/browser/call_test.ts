/**
 * The call as people live it: the real server, real browsers (Chromium, and Firefox for one call)
 * with fake cameras and microphones, each person in their own browser context, everything done
 * through the page (open the link, press the buttons) and checked by what a person notices:
 * pictures that keep moving, sound, the words on the screen.
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  decodedFrames,
  launchChromium,
  launchFirefox,
  LIVE,
  localTrackState,
  newRoomUrl,
  newUser,
  pressJoin,
  saveScreenshot,
  statusText,
  type User,
  videoBrightness,
  waitForAlert,
  waitForAudio,
  waitForBrightness,
  waitForFrames,
  waitForRemoteFrames,
  waitForScreenText,
  waitForStatus,
} from "../helpers/browser.ts";
import { byRole, isPressed } from "../helpers/screen.ts";

/** The status line while someone waits alone in the room, by themselves or after the other left. */
const WAITING = /Waiting for the other person|wait here for them|Waiting for them to come back/;

/**
 * One server and one Chromium for the whole file, each check in a step of its own with its own
 * room and people (each in their own browser context, closed when the step ends): what a step
 * proves does not depend on the others, and the file pays for one start of each.
 */
interface Shared {
  server: RunningServer;
  browser: Browser;
}

/** Runs `body` as step `name` of `t`, then closes every context it opened (its people). */
function step(
  t: Deno.TestContext,
  shared: Shared,
  name: string,
  body: (server: RunningServer, browser: Browser) => Promise<void>,
): Promise<boolean> {
  return t.step(name, async () => {
    try {
      await body(shared.server, shared.browser);
    } finally {
      const everyone = shared.browser.defaultBrowserContext();
      for (const context of shared.browser.browserContexts()) {
        if (context !== everyone) await context.close().catch(() => {});
      }
    }
  });
}

/** Waits until `user` sees the other person's video moving and the status says so. */
async function seesTheOther(user: User): Promise<void> {
  await waitForRemoteFrames(user.page, LIVE);
  await waitForStatus(user.page, "Connected.");
}

/** Two people who opened the same room link, pressed Join, and see each other. */
async function connectedPair(
  server: RunningServer,
  browsers: [Browser, Browser],
): Promise<[User, User]> {
  const room = await newRoomUrl(server.url);
  const a = await newUser(browsers[0], server.url, { name: "A", path: room });
  const b = await newUser(browsers[1], server.url, { name: "B", path: room });
  await pressJoin(a.page);
  await pressJoin(b.page);
  await Promise.all([seesTheOther(a), seesTheOther(b)]);
  return [a, b];
}

Deno.test({
  name: "Chromium (and Firefox for one call): the call as people live it, one server and browser",
  ...BROWSER_TEST,
  fn: async (t) => {
    const server = await startServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const shared = { server, browser };

      await step(
        t,
        shared,
        "Chromium: Start a call, invite, Join on both sides, see each other; a third is turned away",
        async (server, browser) => {
          const a = await newUser(browser, server.url, { name: "A", path: "/" });
          const start = await byRole(a.page, "button", "Start a call");
          await Promise.all([a.page.waitForNavigation(), start.click()]);
          const roomUrl = a.page.url();
          assert.match(
            new URL(roomUrl).pathname,
            /^\/r\/[A-Za-z0-9_-]{22,}$/,
            "a room id of at least 128 bits",
          );
          // The pre-join screen: their own camera, live; once joined, the link to send.
          await waitForFrames(a.page, LIVE, { selector: "#local-video" });
          const b = await newUser(browser, server.url, { name: "B", path: roomUrl });
          await pressJoin(a.page);
          await waitForStatus(a.page, WAITING);
          const link = await byRole(a.page, "textbox", "Invite link");
          assert.equal(await link.evaluate((e) => (e as HTMLInputElement).value), roomUrl);
          await pressJoin(b.page);
          await Promise.all([seesTheOther(a), seesTheOther(b)]);

          // The README's picture of a real call (docs/call.png), taken while both videos are live.
          await waitForRemoteFrames(a.page, LIVE);
          await saveScreenshot(a.page, "call");

          // The third person is told before their camera is even asked for.
          const c = await newUser(browser, server.url, { name: "C", path: roomUrl });
          await waitForAlert(c.page, "This room is full");
          assert.equal(
            await c.page.evaluate(() =>
              (document.getElementById("local-video") as HTMLVideoElement | null)?.srcObject ?? null
            ),
            null,
            "C's camera was never started",
          );
          await waitForStatus(c.page, "This room is full.");
          // The two in the call go on as before; the third never got a picture from them.
          await Promise.all([waitForRemoteFrames(a.page, LIVE), waitForRemoteFrames(b.page, LIVE)]);
          assert.equal(await decodedFrames(c.page, "#remote-video"), 0, "C received no video");
          assert.equal(await statusText(a.page), "Connected.");
          assert.equal(await statusText(b.page), "Connected.");

          assert.deepEqual([...a.errors, ...b.errors], [], "no errors in A's or B's page");
        },
      );

      await step(
        t,
        shared,
        "Chromium: Camera off shows the other side a placeholder and releases the camera, " +
          "Mute silences it; both undo",
        async (server, browser) => {
          const [a, b] = await connectedPair(server, [browser, browser]);
          const before = await videoBrightness(b.page);
          assert.ok(before > 30, `B sees A's picture (brightness ${before.toFixed(1)})`);

          await clickButton(a.page, "Turn off camera");
          await waitForScreenText(b.page, "camera is off", { timeoutMs: 1000 });
          assert.equal(await isPressed(a.page, "Turn on camera"), false);
          assert.equal(await localTrackState(a, "video"), "ended", "A's camera is released");
          await clickButton(a.page, "Turn on camera");
          await waitForFrames(b.page, LIVE);
          await waitForBrightness(b.page, "A's picture again", (v) => v > 30);
          await b.page.waitForFunction(() => !document.body.innerText.includes("camera is off"));

          await waitForAudio(b.page, true);
          await clickButton(a.page, "Turn off microphone");
          await waitForAudio(b.page, false);
          await waitForScreenText(b.page, "Muted", { timeoutMs: 1000 });
          assert.equal(await isPressed(a.page, "Turn on microphone"), false);
          await clickButton(a.page, "Turn on microphone");
          await waitForAudio(b.page, true);
          await b.page.waitForFunction(() => !document.body.innerText.includes("Muted"), {
            timeout: 1000,
          });
        },
      );

      await step(
        t,
        shared,
        "Chromium: Hang up — the other person is told within 5 s and waits; Rejoin reconnects",
        async (server, browser) => {
          const [a, b] = await connectedPair(server, [browser, browser]);

          await clickButton(a.page, "Hang up");
          await waitForStatus(a.page, "You left the call.");
          await waitForAlert(a.page, "You left the call");
          await waitForStatus(b.page, /other person hung up/, { timeoutMs: 5000 });
          assert.match(await statusText(b.page), WAITING);
          assert.equal(
            await b.page.$eval("#app", (e) => (e as HTMLElement).dataset.screen),
            "call",
          );
          assert.equal(
            await a.page.evaluate(() =>
              (document.getElementById("local-video") as HTMLVideoElement | null)?.srcObject ?? null
            ),
            null,
            "A's camera is released",
          );

          // Rejoin goes straight back into the call: no second Join.
          await clickButton(a.page, "Rejoin");
          await Promise.all([seesTheOther(a), seesTheOther(b)]);
        },
      );

      // The closed tab's seat is held for SEAT_GRACE_SECONDS; its token, left behind in this
      // browser, lets the reopened link take it back instead of being told "This room is full".
      await step(
        t,
        shared,
        "Chromium: a closed tab — the other person is told within 5 s and waits; the link " +
          "reopened is back in the call",
        async (server, browser) => {
          const [a, b] = await connectedPair(server, [browser, browser]);
          const roomUrl = a.page.url();
          await a.page.close();
          await waitForStatus(b.page, /other person (left|lost their connection)/, {
            timeoutMs: 5000,
          });
          assert.match(await statusText(b.page), WAITING);
          assert.equal(
            await b.page.$eval("#app", (e) => (e as HTMLElement).dataset.screen),
            "call",
          );

          const again = await a.context.newPage();
          await again.goto(roomUrl);
          await pressJoin(again);
          await waitForRemoteFrames(again, LIVE);
          await waitForStatus(again, "Connected.");
          await seesTheOther(b);
        },
      );

      await step(
        t,
        shared,
        "Chromium and Firefox: Join on both sides, each sees the other's video",
        async (server, chromium) => {
          let firefox: Browser | undefined;
          try {
            firefox = await launchFirefox();
            await connectedPair(server, [chromium, firefox]);
          } finally {
            await closeBrowser(firefox);
          }
        },
      );
    } finally {
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
