/**
 * A group call that survives its server going away: four people, three in real Chromium (each in
 * their own context) and one in Firefox, with small cameras, see each other; the server stops for
 * 6 s and starts again on the same port. While it is away everyone is told and every picture keeps
 * moving (the media goes peer to peer); when it is back everyone is back in the room by themselves,
 * still on their first connections, and the status says who is in the call again.
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  launchChromium,
  launchFirefox,
  statusText,
  type User,
  waitForNotice,
  waitForStatus,
} from "../helpers/browser.ts";
import {
  allSee,
  describeAll,
  eachWithOthers,
  joinAs,
  keptMoving,
  named,
  newGroupRoom,
  person,
  SMALL_WINDOW,
  smallCamera,
} from "../helpers/group.ts";
import { peerConnectionsOf } from "../helpers/peer_watch.ts";

/**
 * The server's settings, the same before and after the restart: a group's room id is sealed under
 * the room key, which must outlive the process (`ROOM_SECRET`; without it, or a TURN secret, the
 * key is random per process and a restarted server no longer knows the room).
 */
const ENV = { ROOM_SECRET: "group-recovery-test-room-key" };

/** How long the server stays down: longer than the client's first reconnection attempts. */
const SERVER_DOWN_MS = 6000;

Deno.test({
  name: "Chromium and Firefox: a group of four whose server stops for 6 s — every picture keeps " +
    "moving, all four are back by themselves on their first connections",
  ...BROWSER_TEST,
  fn: async () => {
    let server: RunningServer | undefined = await startServer({ env: ENV });
    let browser: Browser | undefined;
    let firefox: Browser | undefined;
    const users: User[] = [];
    try {
      const camera = await smallCamera();
      browser = await launchChromium({ args: camera.chromium });
      firefox = await launchFirefox({ prefs: camera.firefox });
      const room = await newGroupRoom(server.url, 4);
      for (const name of ["Ada", "Ben", "Cy", "Dee"]) {
        const user = await person(name === "Cy" ? firefox : browser, server.url, {
          name,
          path: room,
          viewport: SMALL_WINDOW,
        });
        users.push(user);
        await joinAs(user);
      }
      const seen = eachWithOthers(users);
      await allSee(seen);
      const { port } = server;

      await server.stop();
      server = undefined;
      const down = performance.now();
      await Promise.all(users.map((user) => waitForNotice(user.page, /Reconnecting/)));
      // Peer to peer, the call goes on while the server is away: every picture keeps moving.
      await keptMoving(seen, "while the server was down", async () => {
        await new Promise((r) => setTimeout(r, SERVER_DOWN_MS - (performance.now() - down)));
      });

      server = await startServer({ port, env: ENV });
      // Back in the room by themselves: the notice goes, and each still says who is there.
      await Promise.all(users.map((user) => waitForNotice(user.page, ""))).catch(async (error) => {
        throw new Error(`${(error as Error).message}\n${await describeAll(users)}`);
      });
      for (const [user, [a, b, c]] of seen) {
        await waitForStatus(user.page, `${named(a)}, ${named(b)} and ${named(c)} are in the call.`);
      }
      await allSee(seen);
      // Nobody left: nobody is said to be back (a server's restart is not theirs).
      for (const user of users) {
        assert.doesNotMatch(await statusText(user.page), /\bback\b/, `${user.name}'s status`);
      }
      for (const user of users) {
        const { count } = await peerConnectionsOf(user.page);
        assert.equal(count, 3, `${user.name} is still on their first three connections`);
      }
      for (const user of users) {
        // (But for the browser's own report of the server going away and of each attempt that
        // found it down: Chromium and Firefox word them differently.)
        const refused = new RegExp(
          "WebSocket connection to .* failed|can’t establish a connection|" +
            "was interrupted while the page was loading",
        );
        const errors = user.errors.filter((error) => !refused.test(error));
        assert.deepEqual(errors, [], `no errors in ${user.name}'s page`);
      }
    } finally {
      await closeBrowser(firefox);
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});
