/**
 * What a call sends, in real Chromium: the voice first (RED, Opus's in-band FEC inside it, the
 * microphone's sender at high priority), and "Data saver" (ticked before joining, it keeps the
 * picture sent at 360p and a small bitrate; both sides are told; switched off in the call, and
 * remembered so).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  BROWSER_TEST,
  byRole,
  clickButton,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  type User,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import { watchPeerConnections } from "../helpers/peer_watch.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { videoFlow, voiceSent, waitForIndicator } from "../helpers/send_stats.ts";

/** Data saver's picture (client/adaptation/send_levels.ts, SAVER_LEVEL) and its cap, with room. */
const SAVER_HEIGHT = 360;
const SAVER_BITRATE = 450_000 * 1.2;

Deno.test({
  name: "Chromium: the voice goes out as RED at high priority; Data saver, ticked before " +
    "joining, keeps the picture small, both sides are told, and it stays switched off",
  ...BROWSER_TEST,
  fn: async () => {
    let server: RunningServer | undefined;
    const browser = await launchChromium();
    try {
      server = await startServer();
      const room = await newRoomUrl(server.url);
      const users: User[] = [];
      for (const name of ["A", "B"]) {
        const user = await newUser(browser, server.url, { name });
        await watchPeerConnections(user.page);
        await user.page.goto(room);
        users.push(user);
      }
      const [a, b] = users;
      await (await byRole(a.page, "checkbox", /^Data saver/)).click();
      for (const user of users) await pressJoin(user.page);
      for (const user of users) {
        await waitForStatus(user.page, "Connected.");
        await waitForRemoteFrames(user.page, LIVE);
      }

      // The voice: RED (each packet carries the one before), Opus with in-band FEC inside it.
      const voice = await voiceSent(a.page);
      assert.equal(voice.codec, "audio/red", "the voice goes out with redundancy");
      assert.match(voice.opusFmtp ?? "", /useinbandfec=1/, "Opus's in-band FEC is on");
      assert.equal(voice.priority, "high", "the voice's sender goes first");

      // Data saver: said on both sides, and what A sends is small.
      await waitForIndicator(a.page, /Data saver: your video is sent small/);
      await waitForIndicator(b.page, /Their video is small: they use data saver/);
      const saved = await videoFlow(a.page, "outbound", 3000);
      assert.ok(saved.height > 0 && saved.height <= SAVER_HEIGHT, `sent ${saved.height}p`);
      assert.ok(saved.bitrate <= SAVER_BITRATE, `sent ${saved.bitrate} bit/s`);
      const received = await videoFlow(b.page, "inbound", 1000);
      assert.ok(received.height <= SAVER_HEIGHT, `B receives ${received.height}p`);
      console.log(
        `data saver: A sends ${saved.height}p at ${Math.round(saved.bitrate / 1000)} kbit/s`,
      );

      // Switched off in the call: not said any more, and remembered so for the next call.
      await clickButton(a.page, "More options");
      const item = await byRole(a.page, "menuitemcheckbox", "Data saver");
      const checked = await item.evaluate((b) => b.getAttribute("aria-checked"));
      assert.equal(checked, "true", "the call's More menu shows Data saver on");
      await item.click();
      await waitForIndicator(a.page, /Data saver/, { gone: true });
      await waitForIndicator(b.page, /data saver/, { gone: true });
      await a.page.reload();
      const box = await byRole(a.page, "checkbox", /^Data saver/);
      const ticked = await box.evaluate((b) => (b as HTMLInputElement).checked);
      assert.equal(ticked, false, "the pre-join box remembers it off");
    } finally {
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});
