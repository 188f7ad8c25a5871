/**
 * A call that survives what servers and pages do mid-call, in real Chromium against the real
 * server: the server stopped for several seconds and started again on the same port, and one
 * person's page reloaded. Checked by what people notice (pictures that keep moving, the words on
 * the screen), with the recovery times printed:
 *
 *   deno test --allow-all tests/browser/recovery_test.ts
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  CONNECT_TIMEOUT_MS,
  decodedFrames,
  describePage,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  noticeText,
  pressJoin,
  type User,
  waitForNotice,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import { peerConnectionsOf, watchPeerConnections } from "../helpers/peer_watch.ts";

/** How long the server stays down: longer than the client's first reconnection attempts. */
const SERVER_DOWN_MS = 6000;

/** The notice while the server is away. */
const RECONNECTING = /Reconnecting/;

/**
 * Two people who opened the same room link, pressed Join, and see each other; their pages' peer
 * connections are watched.
 */
async function connectedPair(server: RunningServer, browser: Browser): Promise<[User, User]> {
  const room = await newRoomUrl(server.url);
  const [a, b] = await Promise.all(
    ["A", "B"].map((name) => newUser(browser, server.url, { name })),
  );
  for (const user of [a, b]) {
    await watchPeerConnections(user.page);
    await user.page.goto(room);
  }
  await pressJoin(a.page);
  await pressJoin(b.page);
  await Promise.all([seesTheOther(a.page), seesTheOther(b.page)]);
  return [a, b];
}

/** Waits until `page` shows the other person's video moving and the status says so. */
async function seesTheOther(page: Page): Promise<void> {
  await waitForRemoteFrames(page, LIVE);
  await waitForStatus(page, "Connected.");
}

/** Waits until `page` is back in the call with the server: no notice, status "Connected.". */
async function waitForRejoined(page: Page, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  try {
    await page.waitForFunction(
      () =>
        !document.querySelector('[data-pill="notice"]:not([hidden])') &&
        document.getElementById("status")?.textContent?.trim() === "Connected.",
      { timeout: timeoutMs, polling: 50 },
    );
  } catch (error) {
    throw new Error(
      `never back in the call: ${(error as Error).message}\n${await describePage(page)}`,
    );
  }
}

/** Milliseconds since `start`, rounded. */
function since(start: number): number {
  return Math.round(performance.now() - start);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test({
  name: "Chromium: the server stops for 6 s mid-call — video keeps flowing, both rejoin by " +
    "themselves; then a reload comes back without the other person acting",
  ...BROWSER_TEST,
  fn: async () => {
    let server: RunningServer | undefined = await startServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const [a, b] = await connectedPair(server, browser);
      const { port } = server;

      await server.stop();
      server = undefined;
      const down = performance.now();
      await Promise.all([a, b].map((user) => waitForNotice(user.page, RECONNECTING)));
      // The call goes on peer to peer while the server is away: both pictures keep moving.
      const before = await Promise.all([a, b].map((u) => decodedFrames(u.page, "#remote-video")));
      await sleep(SERVER_DOWN_MS - since(down));
      const after = await Promise.all([a, b].map((u) => decodedFrames(u.page, "#remote-video")));
      for (const [i, user] of [a, b].entries()) {
        assert.ok(
          after[i] - before[i] >= LIVE,
          `${user.name}'s video kept decoding while the server was down (${before[i]} → ${
            after[i]
          })\n${await describePage(user.page)}`,
        );
        assert.match(await textOfNotice(user.page), RECONNECTING);
      }

      server = await startServer({ port });
      const back = performance.now();
      const rejoined = await Promise.all(
        [a, b].map(async (user) => {
          await waitForRejoined(user.page);
          return since(back);
        }),
      );
      await Promise.all([a, b].map((user) => waitForRemoteFrames(user.page, LIVE)));
      console.log(
        `server back → rejoined: A ${rejoined[0]} ms, B ${rejoined[1]} ms ` +
          `(server down ${SERVER_DOWN_MS} ms)`,
      );
      for (const user of [a, b]) {
        const { count } = await peerConnectionsOf(user.page);
        assert.equal(
          count,
          1,
          `${user.name}'s call was never torn down: still its first connection`,
        );
      }

      // Now B reloads: A is told within 5 s, does nothing, and gets B back as soon as B presses
      // Join again.
      const reload = performance.now();
      await b.page.reload();
      await waitForStatus(a.page, /left or reloaded|Waiting for them/, { timeoutMs: 5000 });
      await pressJoin(b.page);
      await Promise.all([seesTheOther(a.page), seesTheOther(b.page)]);
      console.log(`reload → both see each other again: ${since(reload)} ms`);
      const { count } = await peerConnectionsOf(a.page);
      assert.equal(count, 2, "A made a new connection for B's new page, by itself");
      assert.deepEqual(unexpectedErrors(a, b), [], "no errors in A's or B's page");
    } finally {
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});

/**
 * Errors in the pages of `users`, but for the browser's own report of each reconnection attempt
 * that found the server down (Chromium logs those as console errors).
 */
function unexpectedErrors(...users: User[]): string[] {
  const refused = /WebSocket connection to .* failed: .*ERR_CONNECTION_REFUSED/;
  return users.flatMap((user) => user.errors.filter((error) => !refused.test(error)));
}

async function textOfNotice(page: Page): Promise<string> {
  return await noticeText(page);
}
