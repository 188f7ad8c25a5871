/**
 * Changing what a call sends while it runs, in real Chromium against the real server: a person who
 * joined without a camera turns it on mid-call. The call renegotiates on the same peer connection:
 * the other side starts seeing them, and their sound never stops on the way.
 *
 *   deno test --allow-all tests/browser/renegotiation_test.ts
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  decodedFrames,
  isPressed,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  type User,
  waitForAlert,
  waitForAudio,
  waitForBrightness,
  waitForFrames,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import {
  longestReceiveGap,
  pageLog,
  peerConnectionsOf,
  watchPeerConnections,
} from "../helpers/peer_watch.ts";

Deno.test({
  name: "Chromium: joined without a camera, Camera on mid-call — the other side sees them, " +
    "their sound never stops",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer();
    const browsers: Browser[] = [];
    const users: User[] = [];
    try {
      // R's browser refuses what it was not allowed (no prompt); R allows the microphone only.
      browsers.push(await launchChromium({ grantMedia: false }), await launchChromium());
      const room = await newRoomUrl(server.url);
      const other = await newUser(browsers[1], server.url, { name: "other" });
      const r = await newUser(browsers[0], server.url, { name: "R" });
      users.push(other, r);
      await r.context.overridePermissions(server.url, ["microphone"]);
      for (const user of users) {
        await watchPeerConnections(user.page);
        await user.page.goto(room);
      }

      await waitForAlert(r.page, "isn't allowed to use your camera");
      await clickButton(r.page, "Continue with microphone only");
      await pressJoin(other.page);
      await pressJoin(r.page);
      await waitForRemoteFrames(r.page, LIVE);
      await waitForStatus(r.page, "Connected.");
      await waitForStatus(other.page, "Connected.");
      await waitForAudio(other.page, true);
      assert.equal(await decodedFrames(other.page, "#remote-video"), 0, "no picture of R yet");

      // R allows the camera (as in the address bar) and presses Camera (on), mid-call.
      await r.context.overridePermissions(server.url, ["microphone", "camera"]);
      const start = performance.now();
      const [gap, seen] = await Promise.all([
        // R's sound, as the other side receives it, while the call renegotiates.
        longestReceiveGap(other.page, "audio", 3000),
        waitForRemoteFrames(other.page, 3).then(() => Math.round(performance.now() - start)),
        clickButton(r.page, "Turn on camera"),
      ]);
      await waitForRemoteFrames(other.page, LIVE);
      await waitForBrightness(other.page, "R's picture", (v) => v > 30);
      console.log(`Camera on → the other side sees it: ${seen} ms; longest audio gap ${gap} ms`);

      // Audio packets come every 20 ms; a busy test machine can delay the page's polling a few
      // hundred ms. A track dropped or a connection rebuilt would stop the sound for seconds.
      assert.ok(gap < 1000, `R's sound kept arriving (longest gap ${gap} ms)`);
      await waitForAudio(other.page, true);
      await waitForRemoteFrames(r.page, LIVE);
      assert.equal(await isPressed(r.page, "Turn off camera"), true);
      await waitForFrames(r.page, LIVE, { selector: "#local-video" }); // R sees themselves too.
      for (const user of users) {
        assert.equal((await peerConnectionsOf(user.page)).count, 1, `${user.name}: one connection`);
        await waitForStatus(user.page, "Connected.");
      }
      assert.deepEqual([...r.errors, ...other.errors], [], "no errors in either page");
    } catch (error) {
      for (const user of users) {
        console.error(`${user.name}: ${(await pageLog(user.page)).join("\n  ")}`);
      }
      throw error;
    } finally {
      for (const browser of browsers) await closeBrowser(browser);
      await server.stop();
    }
  },
});
