/**
 * Many instances on one Redis, in real Chromium: a call between people on two instances, and a
 * call behind HAProxy (deploy/haproxy.cfg) that survives the instance serving it being killed and
 * Redis going away, checked by what people notice (pictures that keep moving, the words on the
 * screen, no new peer connection). Recovery times are printed:
 *
 *   deno test --allow-all tests/browser/cluster_test.ts
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import type { JoinAck } from "../../protocol/signaling.ts";
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
  pressJoin,
  type User,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import { haproxyUnavailable, startHaproxy } from "../helpers/haproxy.ts";
import { peerConnectionsOf, watchPeerConnections } from "../helpers/peer_watch.ts";
import { missing, redisUnavailable, startInstances, startRedis } from "../helpers/redis.ts";
import {
  closeClient,
  connectClient,
  emitWithAck,
  metricsUrl,
  type RunningServer,
} from "../helpers/server.ts";

const skip = missing(await redisUnavailable()) || missing(await haproxyUnavailable());

/** Two people on `urls[0]` and `urls[1]` in the room `room` (a path), both seeing the other. */
async function callBetween(browser: Browser, urls: [string, string], room: string) {
  const users: User[] = [];
  for (const [i, url] of urls.entries()) {
    const user = await newUser(browser, url, { name: i ? "B" : "A" });
    await watchPeerConnections(user.page);
    await user.page.goto(new URL(room, url).href);
    await pressJoin(user.page);
    users.push(user);
  }
  await Promise.all(users.map(async (user) => {
    await waitForRemoteFrames(user.page, LIVE);
    await waitForStatus(user.page, "Connected.");
  }));
  return users;
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

/** Frames of the other person's video decoded by each user during `ms`. */
async function framesDuring(users: User[], ms: number): Promise<number[]> {
  const before = await Promise.all(users.map((u) => decodedFrames(u.page, "#remote-video")));
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await Promise.all(users.map((u) => decodedFrames(u.page, "#remote-video")));
  return after.map((n, i) => n - before[i]);
}

/**
 * The window in which video must show at least LIVE new frames to count as moving: a few
 * seconds, as a person watching would judge (the adaptation may send fewer frames for a moment
 * while the connection settles; a stopped picture shows none).
 */
const MOVING_MS = 3000;

async function connectionsOn(server: RunningServer): Promise<number> {
  const text = await (await fetch(metricsUrl(server))).text();
  return Number(/^parley_connections (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** `server`'s connections once they are `expected`, or what they are after `withinMs`. */
async function connectionsSettleAt(
  server: RunningServer,
  expected: number,
  withinMs: number,
): Promise<number> {
  const until = performance.now() + withinMs;
  let count = await connectionsOn(server);
  while (count !== expected && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = await connectionsOn(server);
  }
  return count;
}

Deno.test({
  name: "Chromium on two instances sharing Redis: a person on each meets the other",
  ignore: skip,
  ...BROWSER_TEST,
  fn: async () => {
    await using redis = await startRedis();
    const [one, two] = await startInstances(redis, 2);
    await using _one = one;
    await using _two = two;
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const room = new URL(await newRoomUrl(one.url)).pathname;
      const [a, b] = await callBetween(browser, [one.url, two.url], room);
      assert.equal(await connectionsOn(one), 1);
      assert.equal(await connectionsOn(two), 1);
      assert.deepEqual([...a.errors, ...b.errors], []);
    } finally {
      await closeBrowser(browser);
    }
  },
});

Deno.test({
  name: "Chromium behind HAProxy: the instance serving a call is killed, then Redis goes away " +
    "and comes back — video never stops, both are back in the room, no new connection",
  ignore: skip,
  ...BROWSER_TEST,
  fn: async () => {
    await using redis = await startRedis();
    const [one, two] = await startInstances(redis, 2, { env: { SEAT_GRACE_SECONDS: "3" } });
    await using _one = one;
    await using _two = two;
    await using lb = await startHaproxy(one, two);
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const room = new URL(await newRoomUrl(lb.url)).pathname;
      const users = await callBetween(browser, [lb.url, lb.url], room);
      const serving = (await connectionsOn(one)) === 2 ? one : two;
      const other = serving === one ? two : one;
      assert.equal(await connectionsOn(serving), 2, "both on one instance (balance source)");

      // SIGKILL: no shutdown code runs; the clients reconnect through HAProxy to the other one.
      const killed = performance.now();
      await serving.kill();
      await Promise.all(users.map((user) => waitForRejoined(user.page, 15_000)));
      const recovered = Math.round(performance.now() - killed);
      console.log(`  [sigkill] both back in the call on the other instance after ${recovered} ms`);
      // Both pages say they are back; the instance's gauge counts the second socket a moment
      // later, so it is read until it does (or 5 s have passed).
      assert.equal(await connectionsSettleAt(other, 2, 5000), 2);
      for (const [i, frames] of (await framesDuring(users, MOVING_MS)).entries()) {
        assert.ok(frames >= LIVE, `${users[i].name}'s video keeps moving (${frames} frames)`);
      }
      for (const user of users) {
        const { count } = await peerConnectionsOf(user.page);
        assert.equal(
          count,
          1,
          `${user.name}'s call was never torn down: still its first connection`,
        );
      }

      // Redis away: the call's media goes on; a join meanwhile gets the clear message.
      await redis.stop();
      const probe = await connectClient(lb.url).catch(() => connectClient(other.url));
      const refused = await emitWithAck<JoinAck>(probe, "join", {
        room: "outage-room-000000000",
        session: "probe-session",
      });
      await closeClient(probe);
      assert.equal(!refused.ok && refused.error.code, "unavailable");
      const during = await framesDuring(users, 2000);
      for (const [i, frames] of during.entries()) {
        assert.ok(frames >= LIVE, `${users[i].name}'s video kept moving without Redis (${frames})`);
      }
      await redis.start();
      const back = performance.now();
      for (;;) {
        const ready = await fetch(`${other.url}/readyz`).then((r) =>
          r.body?.cancel().then(() => r.ok)
        );
        if (ready) break;
        assert.ok(performance.now() - back < 10_000, "ready again within 10 s of Redis returning");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(`  [redis back] ready after ${Math.round(performance.now() - back)} ms`);
      for (const [i, frames] of (await framesDuring(users, MOVING_MS)).entries()) {
        assert.ok(frames >= LIVE, `${users[i].name}'s video kept moving (${frames})`);
      }
      assert.deepEqual(
        users.flatMap((u) => u.errors.filter((e) => !/WebSocket|502|503/.test(e))),
        [],
      );

      // The call ends; its room is not left full, and a new call works.
      await Promise.all(users.map((user) => user.close()));
      const roomId = room.split("/").pop()!;
      const deadline = performance.now() + 10_000;
      let seated = 0;
      while (seated < 2) {
        assert.ok(performance.now() < deadline, "the old room takes two newcomers within 10 s");
        // HAProxy sends connections again once its checks saw /readyz pass twice.
        const socket = await connectClient(lb.url).catch(() => null);
        if (!socket) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          continue;
        }
        const ack = await emitWithAck<JoinAck>(socket, "join", {
          room: roomId,
          session: `new-${seated}-session`,
        });
        if (ack.ok) seated++;
        else {
          await closeClient(socket);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
      const fresh = new URL(await newRoomUrl(lb.url)).pathname;
      await callBetween(browser, [lb.url, lb.url], fresh);
    } finally {
      await closeBrowser(browser);
    }
  },
});
