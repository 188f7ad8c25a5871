/**
 * What a room page costs a visitor, in real Chromium against the real server, counted by the
 * browser itself (DevTools Network events; the memory cache shows as requestServedFromCache): the first visit transfers at most 40 KB, compressed
 * by the server; a returning visitor's page takes its bundle from the browser's cache and asks
 * the server only whether the page, style and icon changed.
 */
import assert from "node:assert/strict";
import type { Browser, CDPSession, Page } from "puppeteer-core";
import { startServer } from "../helpers/server.ts";
import { BROWSER_TEST, closeBrowser, launchChromium, newRoomUrl } from "../helpers/browser.ts";

/** One request of a page load as DevTools saw it. */
interface Fetched {
  path: string;
  /** The status the page sees (200 for a revalidated copy too). */
  status?: number;
  /** The status that crossed the network (304 when the server said "unchanged"). */
  wireStatus?: number;
  encoding?: string;
  fromCache: boolean;
  /** Bytes over the wire: headers and (compressed) body. */
  transferred: number;
  done: boolean;
  /** DevTools' monotonic seconds: when the request was sent, when its last byte arrived. */
  sentAt: number;
  finishedAt?: number;
}

/** Records the page's HTTP requests (not signaling: that is the call, not the page). */
async function recordRequests(page: Page): Promise<{ fetched: Map<string, Fetched> }> {
  const cdp: CDPSession = await page.createCDPSession();
  await cdp.send("Network.enable");
  const fetched = new Map<string, Fetched>();
  cdp.on("Network.requestWillBeSent", (event) => {
    const url = new URL(event.request.url);
    if (!url.protocol.startsWith("http") || url.pathname.startsWith("/socket.io/")) return;
    fetched.set(event.requestId, {
      path: url.pathname,
      fromCache: false,
      transferred: 0,
      done: false,
      sentAt: event.timestamp,
    });
  });
  cdp.on("Network.requestServedFromCache", (event) => {
    const entry = fetched.get(event.requestId);
    if (entry) entry.fromCache = true;
  });
  cdp.on("Network.responseReceived", (event) => {
    const entry = fetched.get(event.requestId);
    if (!entry) return;
    const { response } = event;
    entry.status = response.status;
    entry.encoding = response.headers["content-encoding"] ?? response.headers["Content-Encoding"];
    if (response.fromDiskCache) entry.fromCache = true;
  });
  // Raw response headers may come before or after the request's other events.
  const wireStatus = new Map<string, number>();
  cdp.on("Network.responseReceivedExtraInfo", (event) => {
    wireStatus.set(event.requestId, event.statusCode);
    const entry = fetched.get(event.requestId);
    if (entry) entry.wireStatus = event.statusCode;
  });
  cdp.on("Network.loadingFinished", (event) => {
    const entry = fetched.get(event.requestId);
    if (!entry) return;
    entry.transferred = event.encodedDataLength;
    entry.wireStatus ??= wireStatus.get(event.requestId);
    entry.finishedAt = event.timestamp;
    entry.done = true;
  });
  cdp.on("Network.loadingFailed", (event) => {
    const entry = fetched.get(event.requestId);
    if (entry) entry.done = true;
  });
  return { fetched };
}

/** Opens `url` in `page` and waits until every request it made has finished and none follows. */
async function visit(page: Page, url: string, fetched: Map<string, Fetched>): Promise<Fetched[]> {
  await page.goto(url, { waitUntil: "load" });
  let quietSince = Date.now();
  let pending = -1;
  const deadline = Date.now() + 10_000;
  while (Date.now() - quietSince < 300) {
    if (Date.now() > deadline) throw new Error("the page never stopped loading");
    const now = [...fetched.values()].filter((f) => !f.done).length;
    if (now > 0 || now !== pending) quietSince = Date.now();
    pending = now;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...fetched.values()];
}

function describe(visit: Fetched[]): string {
  return visit.map((f) =>
    `  ${f.path.replace(/^\/r\/.*/, "/r/<id>")}: ${
      f.fromCache ? "from cache" : f.wireStatus ?? f.status
    } ${f.encoding ?? "identity"}, ${f.transferred} bytes`
  ).join("\n");
}

const total = (visit: Fetched[]) => visit.reduce((sum, f) => sum + f.transferred, 0);

Deno.test({
  name:
    "room page: a first visit transfers at most 40 KB, a return visit takes the bundle from cache",
  ...BROWSER_TEST,
  fn: async () => {
    const server = await startServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const room = await newRoomUrl(server.url);
      const context = await browser.createBrowserContext();

      const firstPage = await context.newPage();
      const first = await visit(firstPage, room, (await recordRequests(firstPage)).fetched);
      await firstPage.close();

      // The same person comes back to the link later, in a new tab of the same browser.
      const againPage = await context.newPage();
      const again = await visit(againPage, room, (await recordRequests(againPage)).fetched);

      console.log(
        `first visit: ${total(first)} bytes transferred\n${describe(first)}\n` +
          `return visit: ${total(again)} bytes transferred\n${describe(again)}`,
      );

      const bundle = first.filter((f) => /\.js$/.test(f.path));
      assert.ok(bundle.some((f) => /^\/app-\w+\.js$/.test(f.path)), describe(first));
      // The call's own code is not part of a first visit: it loads as the person joins.
      assert.ok(!bundle.some((f) => /^\/call-/.test(f.path)), describe(first));
      for (const f of first) {
        assert.equal(f.status, 200, `${f.path}\n${describe(first)}`);
        assert.ok(!f.fromCache, `${f.path} came from a cache on the first visit`);
      }
      for (const f of bundle) assert.equal(f.encoding, "br", `${f.path} compressed`);
      assert.ok(total(first) <= 40 * 1024, `first visit ${total(first)} bytes > 40 KB`);
      // No waterfall: every chunk is asked for before the entry has arrived (preloaded from the
      // page, not discovered in the entry's imports).
      const entry = bundle.find((f) => /^\/app-/.test(f.path))!;
      for (const chunk of bundle.filter((f) => f !== entry)) {
        assert.ok(
          chunk.sentAt < entry.finishedAt!,
          `${chunk.path} requested ${
            ((chunk.sentAt - entry.finishedAt!) * 1000).toFixed(1)
          } ms after ${entry.path} arrived`,
        );
      }

      for (const js of bundle) {
        const reloaded = again.find((f) => f.path === js.path);
        assert.ok(reloaded, `${js.path} not loaded on return:\n${describe(again)}`);
        assert.ok(reloaded.fromCache, `${js.path} fetched again:\n${describe(again)}`);
        assert.equal(reloaded.transferred, 0, `${js.path} crossed the network again`);
      }
      for (const f of again.filter((f) => !f.fromCache)) {
        assert.equal(f.wireStatus, 304, `${f.path} sent again in full:\n${describe(again)}`);
      }
      assert.ok(total(again) < 3 * 1024, `return visit ${total(again)} bytes`);
      await context.close();
    } finally {
      await closeBrowser(browser);
      await server.stop();
    }
  },
});
