/**
 * The quality indicator under real packet loss. Person B's browser runs in a network namespace
 * (as in network_fault_test.ts); iptables inside it drops a share of the UDP packets arriving
 * there (`-m statistic --mode random`; this kernel has no `tc netem`), so what A sends B is lost
 * on the way. B must be told "Your connection is losing packets", A "Their connection is losing
 * packets", and both must be told nothing once the loss stops. The times are printed:
 *
 *   deno test --allow-all tests/browser/quality_test.ts
 *
 * Needs root; skipped elsewhere with the reason, except in CI (`CI=true`), where it must run.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";
import { type RunningServer, startServer } from "../helpers/server.ts";
import {
  BROWSER_TEST,
  closeBrowser,
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
import {
  createNamespaceLink,
  type NamespaceLink,
  namespacesUnavailable,
} from "../helpers/netns.ts";
import { requirement } from "../helpers/requirements.ts";

/** The share of packets arriving in B's namespace that are dropped. */
const LOSS = 0.25;

const needs = requirement(
  "quality_test.ts",
  "the quality test",
  await namespacesUnavailable() ??
    (await hasIptables() ? null : "iptables is missing (apt-get install -y iptables)"),
);

async function hasIptables(): Promise<boolean> {
  try {
    return (await new Deno.Command("iptables", { args: ["--version"] }).output()).success;
  } catch {
    return false;
  }
}

/** Runs iptables inside the namespace `ns`; throws with what it said when it fails. */
async function iptables(ns: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "exec", ns, "iptables", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`iptables ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Waits until `page`'s quality indicator says `words` (or, with null, says nothing). */
async function waitForQuality(page: Page, words: RegExp | null, timeoutMs: number) {
  const started = performance.now();
  try {
    await page.waitForFunction(
      (source: string | null) => {
        // The status pill at the top of the stage: one at a time, warnings first.
        const pill = document.querySelector<HTMLElement>("[data-pill]:not([hidden])");
        const text = pill?.innerText ?? "";
        const warning = pill?.dataset.tone === "warning";
        return source === null ? !warning : new RegExp(source).test(text);
      },
      { timeout: timeoutMs, polling: 200 },
      words?.source ?? null,
    );
  } catch (error) {
    const shown = await page.evaluate(() =>
      document.querySelector<HTMLElement>("[data-pill]:not([hidden])")?.innerText
    );
    throw new Error(
      `the indicator never said ${words ?? "nothing"} (it says "${shown}"): ${error}\n` +
        await describePage(page),
    );
  }
  return Math.round(performance.now() - started);
}

Deno.test({
  name: "Chromium: packets lost on the way to B — B is told it is its side, A that it is theirs " +
    "(or what its picture does for it), and the indicator goes away when the loss stops",
  ignore: needs.ignore,
  ...BROWSER_TEST,
  fn: async () => {
    needs.check();
    let link: NamespaceLink | undefined;
    let server: RunningServer | undefined;
    const browsers: Browser[] = [];
    const users: User[] = [];
    try {
      link = await createNamespaceLink("parley-q", { subnet: "10.232.0" });
      server = await startServer({ host: link.hostAddress });
      const secure = `--unsafely-treat-insecure-origin-as-secure=${server.url}`;
      browsers.push(await launchChromium({ args: [secure] }));
      browsers.push(await launchChromium({ args: [secure], executablePath: link.chromium }));
      const room = await newRoomUrl(server.url);
      for (const [i, name] of ["A", "B"].entries()) {
        const user = await newUser(browsers[i], server.url, { name });
        await user.page.goto(room);
        users.push(user);
      }
      const [a, b] = users;
      await pressJoin(a.page);
      await pressJoin(b.page);
      for (const user of users) {
        await waitForStatus(user.page, "Connected.");
        await waitForRemoteFrames(user.page, LIVE);
      }
      // A clean call says nothing.
      await Promise.all(users.map((user) => waitForQuality(user.page, null, 5000)));

      // UDP only: the media; the signaling (TCP) goes on.
      const rule = ["INPUT", "-p", "udp", "-m", "statistic", "--mode", "random"];
      await iptables(link.name, "-A", ...rule, "--probability", String(LOSS), "-j", "DROP");
      // A's packets are the ones lost: A is told it is their side, or, once A's own picture has
      // paused or gone smaller for it (25% loss soon leaves too little for a picture), that.
      const [atB, atA] = await Promise.all([
        waitForQuality(b.page, /Your connection is losing packets/, 20_000),
        waitForQuality(
          a.page,
          /^(Their connection is losing packets|Video paused to keep your voice clear|Your video is sent smaller)/,
          20_000,
        ),
      ]);
      console.log(`${LOSS * 100}% loss into B: B told after ${atB} ms, A after ${atA} ms`);

      await iptables(link.name, "-D", ...rule, "--probability", String(LOSS), "-j", "DROP");
      const [clearB, clearA] = await Promise.all(
        [b, a].map((user) => waitForQuality(user.page, null, 30_000)),
      );
      console.log(`loss over: B's indicator gone after ${clearB} ms, A's after ${clearA} ms`);
    } finally {
      for (const browser of browsers) await closeBrowser(browser);
      await server?.stop();
      await link?.remove();
    }
  },
});
