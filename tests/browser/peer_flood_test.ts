/**
 * The other person cannot freeze your tab (issue 24, item 5), nor spoof what it shows (item 10),
 * in real Chromium on the real server. The hostile peer is a Parley page whose data channels the
 * test drives directly, speaking the protocol as a modified client would, as fast as the channel
 * takes it; the victim is an unmodified Parley page in a browser of its own, so its memory is
 * its renderers' alone. Each attack is the one that broke an earlier version:
 *
 * - 5,000 file offers (froze a tab 78–117 s, 51k DOM nodes): a few offers wait for an answer;
 * - a chat flood with the chat open (15 s of it stalled 46–96 s, +1.8 GB; 5 s here, as fast as
 *   the channel takes it): the last messages stay, the rest are counted in one notice, and a
 *   message after the flood arrives;
 * - a name, a message and a file name with a right-to-left override, invisible fillers and a
 *   stack of 60 combining marks: no override or filler, and at most four marks on a letter,
 *   reach the title, the name tag, the chat or the offer;
 * - a file of type text/html under such a name, accepted: saved under the safe name, as an
 *   `application/octet-stream` download; opening it runs nothing in Parley's origin;
 * - two 100 MB files pushed without asking (taken without consent, +420 MB): no byte kept, and
 *   the first unasked-for bytes close the files channel, so the rest never leave their page.
 *
 * During each flood the victim's longest task (PerformanceObserver, long tasks) stays under
 * 200 ms (on a machine so loaded that tabs have tasks over 100 ms anyway: under twice the longest
 * of a control tab's in the same window and both tabs' at rest; on a machine whose load exceeds
 * its cores, under a second: not frozen), and its memory and DOM stay bounded. The figures are
 * printed for docs/security.md.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { MAX_CHAT_MESSAGES, PEER_LIMITS } from "../../client/effects/peer_limits.ts";
import { BREACH } from "../../client/files/file_transfer.ts";
import { MAX_MARKS } from "../../client/text/safe_text.ts";
import {
  BROWSER_TEST,
  clickButton,
  closeBrowser,
  describePage,
  launchChromium,
  newRoomUrl,
} from "../helpers/browser.ts";
import {
  controlTab,
  flood,
  type FloodPlan,
  longestTask,
  offerFile,
  sleep,
  type TabMemory,
  tabMemory,
  watchLongTasks,
} from "../helpers/hostile_peer.ts";
import { joinedPair, sendChat, waitForMatch } from "../helpers/joined_pair.ts";
import { startServer } from "../helpers/server.ts";

/**
 * The bound the issue sets on the victim's longest task during a flood. On a machine so loaded
 * that the tabs have tasks over half of it anyway (a control tab doing a little work all the
 * time, in the same window; or the victim or the control at rest, before any flood), the bound
 * is twice the longest of those (the test prints them all): a flood must not make the victim
 * worse than the machine makes every tab anyway. On a quiet machine it is 200 ms.
 */
const LONGEST_TASK_MS = 200;
/**
 * What a busy machine's tab is judged by instead: a freeze (the floods froze tabs 46–117 s) and
 * not the 200 ms a quiet machine is held to.
 */
const FROZEN_MS = 1000;
/** How long the victim is watched before any attack, for its longest task at rest. */
const QUIET_MS = 5000;
/** What the victim's renderers may grow by during one flood (they grew by 420 MB to 1.8 GB). */
const MEMORY_GROWTH_MB = 100;

interface Victim {
  browser: Browser;
  page: Page;
  /** The control tab beside it (see {@linkcode LONGEST_TASK_MS}). */
  control: Page;
  /** The longest task of the victim or the control tab at rest, before any flood, ms. */
  rest: number;
}

/**
 * Runs `plan` from the hostile page and measures the victim meanwhile: its longest task, its
 * memory before and after (settled: the flood drained and a second to spare).
 */
async function attack(
  name: string,
  hostile: Page,
  victim: Victim,
  label: "control" | "files",
  plan: FloodPlan,
  seconds?: number,
) {
  const before = await tabMemory(victim.browser, victim.page);
  await watchLongTasks(victim.page);
  await watchLongTasks(victim.control);
  const sent = await flood(hostile, label, plan, seconds);
  if (sent.frames === 0) {
    for (const page of [hostile, victim.page]) {
      console.log(
        await describePage(page),
        await page.evaluate(() =>
          (globalThis as unknown as { parleyLog?: string[] }).parleyLog?.slice(-40).join("\n")
        ),
      );
    }
  }
  await sleep(1000);
  const tasks = await longestTask(victim.page);
  const floor = await longestTask(victim.control);
  const after = await tabMemory(victim.browser, victim.page);
  // On a machine busier than its cores (other tests, other tabs), a task's wall time says more
  // about the machine than about Parley: there only a freeze is judged.
  const busy = Deno.loadavg()[0] > navigator.hardwareConcurrency;
  const bound = busy
    ? FROZEN_MS
    : Math.max(LONGEST_TASK_MS, 2 * Math.max(floor.longest, victim.rest));
  const grew = (key: keyof TabMemory) => `${before[key]} → ${after[key]}`;
  console.log(
    `${name}: ${sent.frames} frames, ${(sent.bytes / 1e6).toFixed(1)} MB in ${sent.ms} ms; ` +
      `victim's longest task ${tasks.longest} ms (${tasks.count} over 50 ms; control tab ` +
      `${floor.longest} ms, ${floor.count}; bound ${bound} ms), renderers ${
        grew("rendererMb")
      } MB, JS heap ` +
      `${grew("heapMb")} MB, elements ${grew("nodes")}`,
  );
  assert.ok(
    tasks.longest < bound,
    `${name}: the victim's longest task was ${tasks.longest} ms (bound ${bound} ms)`,
  );
  assert.ok(
    after.rendererMb - before.rendererMb < MEMORY_GROWTH_MB,
    `${name}: the victim's renderers grew from ${grew("rendererMb")} MB`,
  );
  return { before, after, sent };
}

/** How many file cards the victim shows, by state. */
function cards(page: Page): Promise<Record<string, number>> {
  return page.$$eval("#chat-log li.transfer", (items) => {
    const count: Record<string, number> = {};
    for (const item of items) {
      const state = (item as HTMLElement).dataset.state!;
      count[state] = (count[state] ?? 0) + 1;
    }
    return count;
  });
}

/** Presses every Decline in the victim's chat, one after another, as a person would. */
async function declineAll(page: Page): Promise<number> {
  let declined = 0;
  for (;;) {
    const button = await page.$("#chat-log button[aria-label^='Decline ']");
    if (!button) return declined;
    // Scrolled to, as a person would, and clicked once it stays put: the chat draws only what
    // is in view, so what comes into view may move it.
    await page.waitForFunction(
      (b) => {
        const button = b as HTMLElement & { lastRect?: string };
        button.scrollIntoView({ block: "nearest" });
        const rect = JSON.stringify(button.getBoundingClientRect());
        const still = button.lastRect === rect;
        button.lastRect = rect;
        return still;
      },
      { timeout: 30_000, polling: 100 },
      button,
    );
    await button.click();
    declined++;
    // The card is drawn again without its buttons (batched, within a tenth of a second).
    await page.waitForFunction(
      (b) => !(b as Element).isConnected || !(b as Element).closest("li[data-state=offered]"),
      { timeout: 30_000 },
      button,
    );
    await button.dispose();
  }
}

/** Everything a person sees of the other side's words: title, name tag, chat. */
function shownText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [
      document.title,
      document.querySelector(".tile.remote .name-tag")?.textContent,
      document.getElementById("chat-log")?.textContent,
      ...[...document.querySelectorAll("a.file-save")].map((a) =>
        (a as HTMLAnchorElement).download
      ),
    ].join("\n")
  );
}

Deno.test({
  name:
    "Chromium: a hostile peer's floods and spoofs leave the other tab responsive, bounded, truthful",
  ...BROWSER_TEST,
  fn: async (t) => {
    const server = await startServer();
    let hostileBrowser: Browser | undefined;
    let victimBrowser: Browser | undefined;
    let hostilePage: Page | undefined;
    let victimPage: Page | undefined;
    try {
      hostileBrowser = await launchChromium();
      victimBrowser = await launchChromium();
      const room = await newRoomUrl(server.url);
      const [hostileUser, victimUser] = await joinedPair(
        [hostileBrowser, victimBrowser],
        server.url,
        room,
      );
      const hostile = hostileUser.page;
      [hostilePage, victimPage] = [hostile, victimUser.page];
      await clickButton(victimUser.page, "Chat");
      const control = await controlTab(victimBrowser);
      // The tab at rest, in a call with the chat open, for the figures.
      await watchLongTasks(victimUser.page);
      await watchLongTasks(control);
      await sleep(QUIET_MS);
      const [rest, floor] = [await longestTask(victimUser.page), await longestTask(control)];
      console.log(
        `At rest for ${QUIET_MS / 1000} s: the victim's longest task ${rest.longest} ms ` +
          `(${rest.count} over 50 ms; control tab ${floor.longest} ms, ${floor.count})`,
      );
      const victim = {
        browser: victimBrowser,
        page: victimUser.page,
        control,
        rest: Math.max(rest.longest, floor.longest),
      };

      await t.step(
        "5,000 file offers: a few wait for an answer, the tab stays responsive",
        async () => {
          const { after } = await attack("5,000 offers", hostile, victim, "files", {
            offers: 5000,
          });
          assert.deepEqual(await cards(victim.page), { offered: PEER_LIMITS.pendingOffers });
          assert.ok(after.nodes < 2000, `${after.nodes} elements`);
          // Declined, they are done with: the person is not asked 5,000 times.
          assert.equal(await declineAll(victim.page), PEER_LIMITS.pendingOffers);
          await sleep(500);
          assert.deepEqual(await cards(victim.page), { declined: PEER_LIMITS.pendingOffers });
        },
      );

      await t.step(
        "a 5 s chat flood with the chat open: bounded, told, then chat goes on",
        async () => {
          const text = "flood ".repeat(650);
          const { after } = await attack("5 s chat flood", hostile, victim, "control", {
            repeat: JSON.stringify({ type: "chat", text }),
          }, 5);
          const shown = await victim.page.$$eval("#chat-log li.message", (items) => items.length);
          assert.ok(shown <= MAX_CHAT_MESSAGES, `${shown} messages shown`);
          await waitForMatch(
            victim.page,
            "#chat-log li.notice",
            /^\d+ messages from them were left out/,
          );
          assert.ok(after.nodes < 2000, `${after.nodes} elements`);
          // The flood is over: a message typed in the hostile page's own chat arrives.
          await clickButton(hostile, /^Chat/);
          await sendChat(hostile, "sorry about that");
          await waitForMatch(
            victim.page,
            "#chat-log li.message:last-of-type .bubble",
            /^sorry about that$/,
          );
        },
      );

      await t.step(
        "overrides and invisible fillers reach neither title, name, chat nor file",
        async () => {
          // A right-to-left override, invisible fillers, and a stack of 60 marks on one letter.
          const stack = "x" + "\u0358".repeat(60);
          const kept = "x" + "\u0358".repeat(MAX_MARKS);
          const spoof = `Ad\u3164a\u202Egnp.exe\u200B ${stack}`;
          await flood(hostile, "control", {
            repeat: JSON.stringify({ type: "presence", mic: true, camera: true, name: spoof }),
            count: 1,
          });
          await flood(hostile, "control", {
            repeat: JSON.stringify({
              type: "chat",
              text: `pay here\u202E\n\nAda: it is safe ${spoof}`,
            }),
            count: 1,
          });
          await flood(hostile, "files", {
            repeat: JSON.stringify({
              type: "file.offer",
              id: "spoof",
              name: `invoice\u202Efdp${stack}.exe`,
              size: 1000,
              mime: "application/pdf",
            }),
            count: 1,
          });
          await waitForMatch(
            victim.page,
            "#chat-log .file-offer",
            new RegExp(
              `^Adagnp\\.exe ${kept} wants to send you invoicefdp${kept}\\.exe \\(1000 bytes\\)$`,
            ),
          );
          await victim.page.waitForFunction(() => document.title.includes("Adagnp.exe"));
          assert.equal(await victim.page.title(), `Parley — \u2068Adagnp.exe ${kept}\u2069 joined`);
          const shown = await shownText(victim.page);
          assert.ok(shown.includes(`pay here  Ada: it is safe Adagnp.exe ${kept}`), shown);
          const hidden = /[\u202A-\u202E\u2066\u2067\u200B-\u200F\u3164\u115F\n]|\p{M}{5}/u;
          assert.doesNotMatch(shown.replaceAll("\n", " ").replace(/^Parley — \u2068/, ""), hidden);
          assert.equal(await declineAll(victim.page), 1);
        },
      );

      await t.step(
        "a text/html file under a spoofed name: a download only, safely named, opening it runs nothing here",
        async () => {
          const stack = "x" + "\u0358".repeat(60);
          const kept = "x" + "\u0358".repeat(MAX_MARKS);
          const safeName = `page\u3164lmth${kept}.html`.replace("\u3164", "");
          // Accepted by the person: the question is answered once the offer shows.
          const offered = offerFile(hostile, {
            id: "html",
            name: `page\u3164\u202Elmth${stack}.html\u200B`,
            mime: "text/html",
            text: `<title>pwned</title><script>localStorage.setItem("pwned", "1")</script>`,
          });
          offered.catch(() => {}); // Awaited below; a failure before then is the step's.
          const card = "#chat-log li[data-transfer='html']";
          await waitForMatch(
            victim.page,
            `${card} .file-offer`,
            new RegExp(`send you ${safeName.replace(".", "\\.")} \\(`),
          );
          await clickButton(victim.page, /^Accept page/);
          await offered;
          const link = await victim.page.waitForSelector("a.file-save", { timeout: 30_000 });
          const saved = await link!.evaluate((a) => {
            const link = a as HTMLAnchorElement;
            const blob = (globalThis as unknown as { parleyBlobs: Map<string, Blob> })
              .parleyBlobs.get(link.href)!;
            return { href: link.href, type: blob.type, target: link.target, name: link.download };
          });
          assert.equal(saved.name, safeName, "saved under the name shown, overrides gone");
          assert.equal(saved.type, "application/octet-stream");
          assert.equal(saved.target, "");
          // Opened in a tab of its own (as "Open link in new tab" would): a download (refused
          // here, so nothing lands on disk), never a page.
          const cdp = await victim.browser.target().createCDPSession();
          await cdp.send("Browser.setDownloadBehavior", { behavior: "deny" });
          await cdp.detach();
          const opened = await victim.page.browserContext().newPage();
          await opened.goto(saved.href).catch(() => {});
          await sleep(500);
          assert.notEqual(await opened.title().catch(() => ""), "pwned", "it was not rendered");
          await opened.close();
          const pwned = await victim.page.evaluate(() => localStorage.getItem("pwned"));
          assert.equal(pwned, null, "no script of theirs ran in Parley's origin");
        },
      );

      await t.step(
        "two 100 MB files pushed without asking: not a byte kept, the channel closed on them",
        async () => {
          const { sent } = await attack("two unsolicited 100 MB files", hostile, victim, "files", {
            push: 2,
            size: 100 * 1024 * 1024,
          });
          // The first unasked-for bytes closed the channel: the rest never left their page.
          assert.ok(sent.closed, "the victim closed the files channel");
          assert.ok(sent.bytes < 20e6, `${(sent.bytes / 1e6).toFixed(1)} MB went out`);
          const now = await cards(victim.page);
          assert.equal(now.receiving ?? 0, 0, JSON.stringify(now));
          assert.equal(now.offered ?? 0, 0, JSON.stringify(now));
          await waitForMatch(
            victim.page,
            "#chat-log li.transfer[data-transfer='push0'] .file-status",
            new RegExp(`^${BREACH.replace(/[.:]/g, "\\$&")}$`),
          );
          const saves = await victim.page.$$eval(
            "a.file-save",
            (links) => links.map((a) => (a as HTMLAnchorElement).download),
          );
          assert.equal(saves.length, 1, "only the file they accepted can be saved");
        },
      );
    } catch (error) {
      for (const page of [hostilePage, victimPage]) {
        if (page) {
          console.log(
            await describePage(page),
            await page.evaluate(() =>
              (globalThis as unknown as { parleyLog?: string[] }).parleyLog?.slice(-30).join("\n")
            ).catch(() => ""),
          );
        }
      }
      throw error;
    } finally {
      await closeBrowser(hostileBrowser);
      await closeBrowser(victimBrowser);
      await server.stop();
    }
  },
});
