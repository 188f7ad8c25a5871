/**
 * A call on a thin uplink, in real Chromium against the real server. Person B's browser runs in a
 * network namespace (as in network_fault_test.ts) and B's uplink is capped at 100 kbit/s with a
 * real queue in front (`tc tbf`, tests/helpers/link_conditions.ts): too little for a picture and
 * a voice. B's video must pause by itself, both sides must be told so in words (B: "Video paused
 * to keep your voice clear", A: "Their video is paused: their connection is weak", never "frozen"),
 * and A must go on hearing B. When the cap is lifted, B's picture must come back by itself and
 * both must stop saying it is paused.
 *
 * Needs root, `tc` and iptables; skipped elsewhere with the reason, except in CI (`CI=true`),
 * where it must run. Its namespace is its own (`pn-test`, 10.237.0.0/24); run it, like the other
 * namespace tests, under `flock /tmp/parley-netns.lock`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser } from "puppeteer-core";
import {
  BROWSER_TEST,
  closeBrowser,
  launchChromium,
  LIVE,
  newRoomUrl,
  newUser,
  pressJoin,
  type User,
  waitForAudio,
  waitForRemoteFrames,
  waitForStatus,
} from "../helpers/browser.ts";
import { capUplink, conditionsUnavailable, liftCap } from "../helpers/link_conditions.ts";
import {
  createNamespaceLink,
  type NamespaceLink,
  namespacesUnavailable,
} from "../helpers/netns.ts";
import { watchPeerConnections } from "../helpers/peer_watch.ts";
import { requirement } from "../helpers/requirements.ts";
import { type RunningServer, startServer } from "../helpers/server.ts";
import { videoFlow, waitForIndicator } from "../helpers/send_stats.ts";

/** B's uplink, kbit/s: below what a picture needs beside the voice. */
const THIN_KBIT = 100;

const needs = requirement(
  "poor_network_test.ts",
  "the poor network test",
  await namespacesUnavailable() ?? await conditionsUnavailable(),
);

Deno.test({
  name: "Chromium: B's uplink capped at 100 kbit/s — B's video pauses and both are told, A still " +
    "hears B; the cap lifted — the video comes back by itself",
  ignore: needs.ignore,
  ...BROWSER_TEST,
  fn: async () => {
    needs.check();
    let link: NamespaceLink | undefined;
    let server: RunningServer | undefined;
    const browsers: Browser[] = [];
    try {
      link = await createNamespaceLink("pn-test", { subnet: "10.237.0" });
      server = await startServer({ host: link.hostAddress });
      const secure = `--unsafely-treat-insecure-origin-as-secure=${server.url}`;
      browsers.push(await launchChromium({ args: [secure] }));
      browsers.push(await launchChromium({ args: [secure], executablePath: link.chromium }));
      const room = await newRoomUrl(server.url);
      const users: User[] = [];
      for (const [i, name] of ["A", "B"].entries()) {
        const user = await newUser(browsers[i], server.url, { name });
        await watchPeerConnections(user.page);
        await user.page.goto(room);
        users.push(user);
      }
      const [a, b] = users;
      for (const user of users) await pressJoin(user.page);
      for (const user of users) {
        await waitForStatus(user.page, "Connected.");
        await waitForRemoteFrames(user.page, LIVE);
      }

      await capUplink(link, THIN_KBIT);
      await waitForIndicator(b.page, /Video paused to keep your voice clear/, {
        timeoutMs: 20_000,
      });
      await waitForIndicator(a.page, /Their video is paused: their connection is weak/, {
        timeoutMs: 20_000,
      });
      const said = await a.page.$eval("#quality", (box) => box.textContent ?? "");
      assert.doesNotMatch(said, /frozen/, "a paused picture is not called frozen");
      await waitForAudio(a.page, true);
      const paused = await videoFlow(b.page, "outbound", 2000);
      assert.ok(paused.bitrate < 50_000, `B sends almost no video: ${paused.bitrate} bit/s`);

      await liftCap(link);
      // Back by itself: its probes find the room (a busy machine's estimate takes longer).
      await waitForIndicator(b.page, /paused/, { gone: true, timeoutMs: 60_000 });
      await waitForIndicator(a.page, /paused/, { gone: true, timeoutMs: 60_000 });
      await waitForRemoteFrames(a.page, LIVE);
      // The picture comes back at its smallest size and climbs as the estimate grows: it is back
      // once it is of a size a person can see again (a busy machine climbs slower).
      const until = performance.now() + 30_000;
      let back = await videoFlow(a.page, "inbound", 2000);
      while (back.height < 180 && performance.now() < until) {
        back = await videoFlow(a.page, "inbound", 2000);
      }
      assert.ok(back.height >= 180, `B's picture is back: ${back.height}p`);
    } finally {
      for (const browser of browsers) await closeBrowser(browser);
      await server?.stop();
      await link?.remove();
    }
  },
});
