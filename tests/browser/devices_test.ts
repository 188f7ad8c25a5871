/**
 * Devices during a call: a person with two cameras switches from one to the other in the Devices
 * panel; the other side keeps seeing them, with no new offer or answer (the track is replaced on
 * the same sender).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, ElementHandle, Page } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  byRole,
  chooseFromMenu,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  statusText,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";

/** Counts the descriptions a page's peer connections set, local and remote. */
async function countDescriptions(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const counts = { local: 0, remote: 0 };
    Object.assign(globalThis, { parleyDescriptions: counts });
    const proto = RTCPeerConnection.prototype;
    const setLocal = proto.setLocalDescription;
    const setRemote = proto.setRemoteDescription;
    proto.setLocalDescription = function (...args: unknown[]) {
      counts.local++;
      return (setLocal as (...a: unknown[]) => Promise<void>).apply(this, args);
    };
    proto.setRemoteDescription = function (...args: unknown[]) {
      counts.remote++;
      return (setRemote as (...a: unknown[]) => Promise<void>).apply(this, args);
    };
  });
}

function descriptions(page: Page): Promise<{ local: number; remote: number }> {
  return page.evaluate(() =>
    (globalThis as unknown as { parleyDescriptions: { local: number; remote: number } })
      .parleyDescriptions
  );
}

/** The label of the camera `page` sends (the peer connection's video sender's track). */
function sentCamera(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const video = document.getElementById("local-video") as HTMLVideoElement;
    const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
    return track && track.readyState === "live" ? track.label : null;
  });
}

Deno.test({
  name: "Chromium: switching camera mid-call keeps the other side decoding, with no new offer",
  ...BROWSER_TEST,
  fn: async () => {
    await using server = await startServer();
    let twoCameras: Browser | undefined;
    let oneCamera: Browser | undefined;
    try {
      // Chromium's fake cameras: "fake_device_0" (I420), "fake_device_1" (Y16, a depth format
      // no encoder takes) and "fake_device_2" (MJPEG, decoded to frames like a webcam's).
      twoCameras = await launchChromium({
        args: ["--use-fake-device-for-media-stream=device-count=3"],
      });
      oneCamera = await launchChromium();
      const room = await newRoomUrl(server.url);
      const a = await newUser(twoCameras, server.url, { name: "A" });
      const b = await newUser(oneCamera, server.url, { name: "B" });
      for (const user of [a, b]) {
        await countDescriptions(user.page);
        await user.page.goto(new URL(room, server.url).href);
      }
      await pressJoin(a.page);
      await pressJoin(b.page);
      await Promise.all([a, b].map((user) => waitForStatus(user.page, "Connected.")));
      await waitForRemoteFrames(b.page, LIVE);

      const before = await sentCamera(a.page);
      const negotiated = await Promise.all([a, b].map((user) => descriptions(user.page)));
      await chooseFromMenu(a.page, "Devices");
      const cameras = await byRole(a.page, "combobox", "Camera") as ElementHandle<
        HTMLSelectElement
      >;
      const other = await cameras.evaluate((select, current) => {
        const options = [...select.options];
        return options.find((o) => o.textContent !== current && /2$/.test(o.textContent ?? ""))
          ?.value ?? null;
      }, before);
      assert.ok(other, `a second camera to choose (sending ${before})`);
      await cameras.select(other);
      await a.page.waitForFunction(
        (old) => {
          const video = document.getElementById("local-video") as HTMLVideoElement;
          const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
          return track?.readyState === "live" && track.label !== old;
        },
        { timeout: 10_000, polling: 100 },
        before,
      );
      const after = await sentCamera(a.page);
      console.log(`camera switched: ${before} → ${after}`);
      assert.notEqual(after, before);

      // B goes on decoding A's video, on the same negotiation.
      await waitForRemoteFrames(b.page, LIVE);
      assert.equal(await statusText(b.page), "Connected.");
      assert.deepEqual(
        await Promise.all([a, b].map((user) => descriptions(user.page))),
        negotiated,
        "no new offer or answer on either side",
      );
    } finally {
      await closeBrowser(twoCameras);
      await closeBrowser(oneCamera);
    }
  },
});
