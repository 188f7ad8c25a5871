/**
 * The call's features as two people use them, in real browsers on the real server:
 * chat both ways (HTML shown as text, links safe, the unread badge), a 5 MB file that arrives
 * byte-identical with progress on both sides and one over the limit refused, the connection
 * panel, the verification code (equal on both sides, and equal to the code this test derives on
 * its own from each side's certificates), and a screen share that reaches the other side and
 * gives the camera back when it stops.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  byRole,
  chooseFromMenu,
  clickButton,
  closeBrowser,
  launchChromium,
  launchFirefox,
  LIVE,
  newRoomUrl,
  saveScreenshot,
  waitForFrames,
  waitForScreenText,
} from "../helpers/browser.ts";
import {
  certificatesOf,
  CODE_PATTERN,
  expectedCode,
  fileCards,
  fileStatuses,
  joinedPair,
  recordFileStatuses,
  sendChat,
  sendFile,
  waitForDetail,
  waitForMessage,
} from "../helpers/joined_pair.ts";

const XSS = `<img src=x onerror="globalThis.pwned=1"> see https://example.org/a?b=1.`;

async function withServer(body: (server: RunningServer) => Promise<void>): Promise<void> {
  const server = await startServer();
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The SHA-256 of the file `page` offers for saving as `name` (read through its blob URL). */
async function savedFileHash(page: Page, name: string): Promise<string> {
  const save = await byRole(page, "link", `Save ${name}`, { timeoutMs: 60_000 });
  try {
    return await save.evaluate(async (link) => {
      const blob = (globalThis as unknown as { parleyBlobs: Map<string, Blob> }).parleyBlobs
        .get((link as HTMLAnchorElement).href)!;
      // A download, never a page of Parley's origin, whatever type the sender named.
      if (blob.type !== "application/octet-stream") return `a blob of type ${blob.type}`;
      const bytes = await blob.arrayBuffer();
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
      return [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
    });
  } finally {
    await save.dispose();
  }
}

/** Chat both ways, the badge, HTML as text; then a file each way. */
async function chatAndFiles(a: Page, b: Page, label: string): Promise<void> {
  // B's chat is closed: A's message lights the badge.
  await clickButton(a, "Chat");
  await sendChat(a, XSS);
  await byRole(b, "button", "Chat, 1 unread");
  await clickButton(b, "Chat, 1 unread");
  const shown = await waitForMessage(b, "them", /<img src=x onerror=/);
  await byRole(b, "button", "Chat");
  assert.equal(shown.text, XSS, `${label}: the message is shown as it was typed`);
  assert.equal(shown.images, 0, `${label}: no element made from the message`);
  assert.equal(
    await b.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned ?? null),
    null,
    `${label}: no script ran`,
  );
  assert.deepEqual(shown.links, [{
    href: "https://example.org/a?b=1",
    rel: "noopener noreferrer",
    target: "_blank",
    text: "https://example.org/a?b=1",
  }]);
  await sendChat(b, "Got it, thanks!");
  await waitForMessage(a, "them", /^Got it, thanks!$/);

  // A 5 MB file from A to B, and one over the limit refused before anything is sent.
  const dir = await Deno.makeTempDir();
  try {
    const bytes = new Uint8Array(5 * 1024 * 1024 + 123);
    for (let at = 0; at < bytes.length; at += 65536) {
      crypto.getRandomValues(bytes.subarray(at, Math.min(bytes.length, at + 65536)));
    }
    const path = `${dir}/holiday.bin`;
    await Deno.writeFile(path, bytes);
    await recordFileStatuses(a);
    await recordFileStatuses(b);
    await sendFile(a, path);
    // Nothing comes before B says yes: B is asked, A waits.
    await waitForScreenText(b, "They want to send you holiday.bin (5.0 MB)");
    await waitForScreenText(a, "Waiting for them to accept…");
    const started = performance.now();
    await clickButton(b, "Accept holiday.bin");
    const received = await savedFileHash(b, "holiday.bin");
    const seconds = (performance.now() - started) / 1000;
    console.log(`${label}: 5 MB in ${seconds.toFixed(2)} s (${(5 / seconds).toFixed(1)} MB/s)`);
    assert.equal(received, await sha256Hex(bytes), `${label}: the file arrived byte-identical`);
    await a.waitForFunction(
      () =>
        [...document.querySelectorAll("[role=log] .file-status")].some((s) =>
          s.textContent === "Delivered"
        ),
      { timeout: 15_000 },
    );
    const partial = (statuses: string[], word: string) =>
      statuses.some((s) => new RegExp(`^${word}… ([1-9]|[1-9][0-9])%$`).test(s));
    assert.ok(partial(await fileStatuses(a), "Sending"), `A: ${await fileStatuses(a)}`);
    assert.ok(partial(await fileStatuses(b), "Receiving"), `B: ${await fileStatuses(b)}`);

    const huge = `${dir}/huge.bin`;
    const file = await Deno.open(huge, { create: true, write: true });
    await file.truncate(101 * 1024 * 1024);
    file.close();
    await sendFile(a, huge);
    await byRole(a, "alert", /huge\.bin: This file is 101 MB; files up to 100 MB/);
    // Nothing of it reached B.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await fileCards(b)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The codes both pages show, checked against the test's own derivation. */
async function verificationCodes(a: Page, b: Page): Promise<void> {
  await chooseFromMenu(a, "Details and verification code");
  await chooseFromMenu(b, "Details and verification code");
  const [codeA, codeB] = [
    await waitForDetail(a, "Verification code", CODE_PATTERN),
    await waitForDetail(b, "Verification code", CODE_PATTERN),
  ];
  assert.equal(codeA, codeB, "both people see the same code");
  const [certsA, certsB] = [await certificatesOf(a), await certificatesOf(b)];
  assert.equal(certsA.remote.toUpperCase(), certsB.local.toUpperCase(), "A sees B's certificate");
  assert.equal(certsB.remote.toUpperCase(), certsA.local.toUpperCase(), "B sees A's certificate");
  assert.equal(codeA, await expectedCode(certsA));
  assert.equal(codeB, await expectedCode(certsB));
}

/** The panel: bitrate flowing both ways, a direct path on loopback. */
async function panelShowsTheCall(page: Page): Promise<void> {
  await waitForDetail(page, "Receiving", /^[1-9][\d.]* (kbit|Mbit)\/s$/);
  await waitForDetail(page, "Sending", /^[1-9][\d.]* (kbit|Mbit)\/s$/);
  await waitForDetail(page, "Path", /^Direct$/);
  await waitForDetail(page, "Round trip", /^\d+ ms$/);
  await waitForDetail(page, "Their video", /^\d+×\d+/);
}

/**
 * Waits until the other side's video is narrow (width/height under 1.5: the shared screen here)
 * or wide (the fake camera's 16:9).
 */
async function waitForNarrow(page: Page, narrow: boolean): Promise<void> {
  await page.waitForFunction(
    (want: boolean) => {
      const video = document.getElementById("remote-video") as HTMLVideoElement;
      return video.videoHeight > 0 && (video.videoWidth / video.videoHeight < 1.5) === want;
    },
    { timeout: 15_000, polling: 100 },
    narrow,
  ).catch(async (error) => {
    const size = await page.$eval("#remote-video", (v) => {
      const video = v as HTMLVideoElement;
      return `${video.videoWidth}x${video.videoHeight}`;
    });
    throw new Error(`the other side's video is ${size} (want narrow: ${narrow}): ${error}`);
  });
}

/**
 * A's screen shared (Chromium, launched to share its own screen): B sees it as moving video with
 * no new offer; stopping it brings the camera back, moving, still with no new offer.
 */
async function screenShare(a: Page, b: Page): Promise<void> {
  // The details panel closed on both sides: the call as a person presenting sees it.
  await clickButton(a, "Close");
  await clickButton(b, "Close");
  // A's screen comes out 4:3 here, unlike the fake camera's 16:9.
  await waitForNarrow(b, false);
  const offers = () =>
    a.evaluate(() =>
      (globalThis as unknown as { parleyLog: string[] }).parleyLog.filter((line) =>
        /signaling have-(local|remote)-offer/.test(line)
      ).length
    );
  const offersBefore = await offers();

  await clickButton(a, "Share your screen");
  await waitForScreenText(a, "You are presenting");
  await waitForNarrow(b, true); // B sees the screen...
  await waitForFrames(b, LIVE); // ...moving.
  assert.equal(await offers(), offersBefore, "no renegotiation");
  await saveScreenshot(b, "screen-share");

  await clickButton(a, "Stop presenting");
  await byRole(a, "button", "Share your screen");
  await waitForNarrow(b, false); // The camera is back...
  await waitForFrames(b, LIVE); // ...moving.
  assert.equal(await offers(), offersBefore, "no renegotiation");
}

Deno.test({
  name: "Chromium: chat both ways, a 5 MB file, the panel and the verification code; a screen " +
    "share reaches the other side as moving video, and stopping it brings the camera back",
  ...BROWSER_TEST,
  fn: () =>
    withServer(async (server) => {
      let browser: Browser | undefined;
      try {
        // Headless Chromium shares its own screen (the page, as it shows it) without a picker.
        browser = await launchChromium({
          args: [
            "--auto-select-desktop-capture-source=Entire screen",
            "--screen-info={600x900}",
            "--window-size=600,900",
          ],
        });
        const room = await newRoomUrl(server.url);
        const [a, b] = await joinedPair([browser, browser], server.url, room);
        await chatAndFiles(a.page, b.page, "Chromium");
        await saveScreenshot(b.page, "chat");
        await verificationCodes(a.page, b.page);
        await panelShowsTheCall(a.page);
        await panelShowsTheCall(b.page);
        await saveScreenshot(a.page, "connection-panel");
        await screenShare(a.page, b.page);
        assert.deepEqual([...a.errors, ...b.errors], []);
      } finally {
        await closeBrowser(browser);
      }
    }),
});

Deno.test({
  name: "Chromium and Firefox: chat both ways, a 5 MB file, the same verification code",
  ...BROWSER_TEST,
  fn: () =>
    withServer(async (server) => {
      let chromium: Browser | undefined;
      let firefox: Browser | undefined;
      try {
        chromium = await launchChromium();
        firefox = await launchFirefox();
        const room = await newRoomUrl(server.url);
        const [a, b] = await joinedPair([chromium, firefox], server.url, room);
        await chatAndFiles(a.page, b.page, "Chromium to Firefox");
        await verificationCodes(a.page, b.page);
        await panelShowsTheCall(b.page);
      } finally {
        await closeBrowser(chromium);
        await closeBrowser(firefox);
      }
    }),
});
