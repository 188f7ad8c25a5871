/**
 * `?inspect`: the Stately inspector's bundle is fetched only then, and the call page works with
 * it as without it.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  launchChromium,
  newRoomUrl,
  newUser,
  waitForStatus,
} from "../helpers/browser.ts";

Deno.test({
  name: "Chromium: ?inspect loads the inspector's bundle; without it, nothing of it is fetched",
  ...BROWSER_TEST,
  fn: async () => {
    await using server = await startServer();
    const browser = await launchChromium();
    try {
      const room = await newRoomUrl(server.url);
      for (const inspect of [false, true]) {
        const user = await newUser(browser, server.url);
        const fetched: string[] = [];
        user.page.on("response", (response) => {
          fetched.push(`${response.status()} ${new URL(response.url()).pathname}`);
        });
        await user.page.goto(new URL(room + (inspect ? "?inspect" : ""), server.url).href);
        await waitForStatus(
          user.page,
          "Ready to join. Check your camera and microphone, then join.",
        );
        const inspector = fetched.filter((line) => /\/inspector-[\w-]+\.js$/.test(line));
        if (inspect) {
          assert.deepEqual(inspector.map((l) => l.split(" ")[0]), ["200"], fetched.join());
        } else assert.deepEqual(inspector, [], "no inspector without ?inspect");
        await user.close();
      }
    } finally {
      await closeBrowser(browser);
    }
  },
});
