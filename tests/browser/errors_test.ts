/**
 * Failures as people meet them, in real Chromium against the real server: each is said in plain
 * words on the page, with a button that leads on, and pressing it works.
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  decodedFrames,
  hasRole,
  launchChromium,
  namesOf,
  newRoomUrl,
  newUser,
  pressJoin,
  statusText,
  waitForAlert,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";

Deno.test({
  name: "Chromium refusing the camera, and one without WebRTC, each beside a person who can call",
  ...BROWSER_TEST,
  fn: async (t) => {
    const server = await startServer();
    const browsers: Browser[] = [];
    try {
      // One browser refuses every camera and microphone request (no prompt: as if "Block" was
      // clicked); the other people's browser grants them. Each step has a room of its own.
      const refusing = await launchChromium({ grantMedia: false });
      browsers.push(refusing);
      const granting = await launchChromium();
      browsers.push(granting);

      await t.step(
        "camera and microphone refused: said plainly, and joining without them still shows the other",
        async () => {
          const room = await newRoomUrl(server.url);
          const other = await newUser(granting, server.url, { name: "other", path: room });
          const refused = await newUser(refusing, server.url, { name: "refused", path: room });

          await waitForAlert(refused.page, "isn't allowed to use your camera and microphone");
          const actions = await namesOf(refused.page, "button");
          assert.ok(actions.includes("Try again"), `actions: ${actions}`);
          await clickButton(refused.page, "Join without camera and microphone");
          await waitForStatus(refused.page, "They will not see or hear you");

          // The other person waits in the room; the refused one comes in second and so makes the
          // offer, receive-only.
          await pressJoin(other.page);
          await waitForStatus(other.page, /Waiting for the other person/);
          await pressJoin(refused.page);
          await waitForRemoteFrames(refused.page, 10);
          await waitForStatus(refused.page, "Connected.");
          await waitForStatus(other.page, "Connected.");
          assert.equal(
            await decodedFrames(other.page, "#remote-video"),
            0,
            "nothing to see from them",
          );
        },
      );

      await t.step(
        "a browser without WebRTC: told so before Join, offered no Join; the person waiting hears nothing",
        async () => {
          const room = await newRoomUrl(server.url);
          const waiting = await newUser(granting, server.url, { name: "waiting", path: room });
          await pressJoin(waiting.page);
          await waitForStatus(waiting.page, /Waiting for the other person/);

          const lacking = await newUser(granting, server.url, { name: "lacking" });
          await lacking.page.evaluateOnNewDocument(() => {
            delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
          });
          await lacking.page.goto(room);
          await waitForAlert(
            lacking.page,
            /^This browser can't make video calls .*Chrome, Firefox/,
          );
          assert.equal(await hasRole(lacking.page, "button", "Join"), false, "no Join to press");
          assert.equal(
            await lacking.page.evaluate(() =>
              (document.getElementById("local-video") as HTMLVideoElement | null)?.srcObject ?? null
            ),
            null,
            "the camera was never asked for",
          );
          // The one waiting is told nothing: no one came, no one left.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          await waitForStatus(waiting.page, /Waiting for the other person/);
          assert.deepEqual(lacking.errors, [], "no error in the page");
        },
      );
    } finally {
      for (const browser of browsers) await closeBrowser(browser);
      await server.stop();
    }
  },
});

Deno.test({
  name: "server unreachable: said plainly, and Retry joins once the server is back on its port",
  ...BROWSER_TEST,
  fn: async () => {
    let server: RunningServer | undefined = await startServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const room = await newRoomUrl(server.url);
      const user = await newUser(browser, server.url, { name: "user", path: room });
      await waitForStatus(user.page, "Ready to join");
      const { port } = server;
      await server.stop();
      server = undefined;

      await pressJoin(user.page);
      await waitForAlert(user.page, "Can't reach the Parley server");
      assert.equal(await statusText(user.page), "Can't reach the Parley server.");

      server = await startServer({ port });
      await clickButton(user.page, "Retry");
      await waitForStatus(user.page, /Waiting for the other person/);
      assert.equal(await hasRole(user.page, "button", "Retry"), false, "the card is gone");
    } finally {
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});
