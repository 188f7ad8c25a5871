/**
 * A group call that survives its server going away: three people in real Chromium (each in their
 * own context) see each other, the server stops for several seconds and starts again on the same
 * port. While it is away everyone is told and every picture keeps moving (the media goes peer to
 * peer); when it is back everyone is back in the room by themselves, still on their first
 * connections, and the status says who is in the call again.
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
  decodedFrames,
  launchChromium,
  LIVE,
  type User,
  waitForNotice,
  waitForStatus,
} from "../helpers/browser.ts";
import { allSee, describeAll, joinAs, named, person, tileOf } from "../helpers/group.ts";
import { peerConnectionsOf } from "../helpers/peer_watch.ts";

/**
 * The server's settings, the same before and after the restart: a group's room id is sealed under
 * the room key, which must outlive the process (`ROOM_SECRET`; without it, or a TURN secret, the
 * key is random per process and a restarted server no longer knows the room).
 */
const ENV = { MAX_ROOM_SIZE: "3", ROOM_SECRET: "group-recovery-test-room-key" };

/** How long the server stays down: longer than the client's first reconnection attempts. */
const SERVER_DOWN_MS = 6000;

/** Every `[user, names]`: the frames `user` has decoded of each of `names`' tiles. */
function framesOf(seen: [User, string[]][]): Promise<number[][]> {
  return Promise.all(
    seen.map(([user, names]) =>
      Promise.all(names.map((name) => decodedFrames(user.page, tileOf(name))))
    ),
  );
}

Deno.test({
  name: "Chromium: a group of three whose server stops for 6 s — every picture keeps moving, " +
    "all three are back by themselves on their first connections",
  ...BROWSER_TEST,
  fn: async () => {
    let server: RunningServer | undefined = await startServer({ env: ENV });
    let browser: Browser | undefined;
    const users: User[] = [];
    try {
      browser = await launchChromium();
      const response = await fetch(new URL("/new?size=3", server.url), {
        method: "POST",
        redirect: "manual",
      });
      await response.body?.cancel();
      const room = response.headers.get("location")!;
      for (const name of ["Ada", "Ben", "Cy"]) {
        const user = await person(browser, server.url, { name, path: room });
        users.push(user);
        await joinAs(user);
      }
      const [ada, ben, cy] = users;
      const seen: [User, string[]][] = [
        [ada, ["Ben", "Cy"]],
        [ben, ["Ada", "Cy"]],
        [cy, ["Ada", "Ben"]],
      ];
      await allSee(seen);
      const { port } = server;

      await server.stop();
      server = undefined;
      const down = performance.now();
      await Promise.all(users.map((user) => waitForNotice(user.page, /Reconnecting/)));
      // Peer to peer, the call goes on while the server is away: every picture keeps moving.
      const before = await framesOf(seen);
      await new Promise((r) => setTimeout(r, SERVER_DOWN_MS - (performance.now() - down)));
      const after = await framesOf(seen);
      seen.forEach(([user, names], i) =>
        names.forEach((name, j) => {
          assert.ok(
            after[i][j] - before[i][j] >= LIVE,
            `${user.name} saw ${name} moving while the server was down ` +
              `(${before[i][j]} → ${after[i][j]} frames)`,
          );
        })
      );

      server = await startServer({ port, env: ENV });
      // Back in the room by themselves: the notice goes, and each still says who is there.
      await Promise.all(users.map((user) => waitForNotice(user.page, ""))).catch(async (error) => {
        throw new Error(`${(error as Error).message}\n${await describeAll(users)}`);
      });
      const words = (a: string, b: string) => `${named(a)} and ${named(b)} are in the call.`;
      await waitForStatus(ada.page, words("Ben", "Cy"));
      await waitForStatus(ben.page, words("Ada", "Cy"));
      await waitForStatus(cy.page, words("Ada", "Ben"));
      await allSee(seen);
      for (const user of users) {
        const { count } = await peerConnectionsOf(user.page);
        assert.equal(count, 2, `${user.name} is still on their first two connections`);
      }
      for (const user of users) {
        // (But for the browser's own report of each attempt that found the server down.)
        const refused = /WebSocket connection to .* failed: .*ERR_CONNECTION_REFUSED/;
        const errors = user.errors.filter((error) => !refused.test(error));
        assert.deepEqual(errors, [], `no errors in ${user.name}'s page`);
      }
    } finally {
      await closeBrowser(browser);
      await server?.stop();
    }
  },
});
