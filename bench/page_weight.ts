/**
 * What a visitor downloads, read from the network as Chromium loads the page (DevTools protocol:
 * each response's encoded size on the wire, its encoding, its initiator), so compression, caching
 * and preloading count as they do for a person. A first visit in a fresh browser context, then a
 * returning visit in the same context (another room: what its cache spares). Also: how long a
 * server takes from spawning to its first `200`.
 *
 * @module
 */
import type { Browser } from "puppeteer-core";
import { startTarget, type Target } from "./servers.ts";
import { now, round, summarize } from "./stats.ts";

/** One response. */
export interface Resource {
  path: string;
  /** DevTools' resource type: Document, Script, Stylesheet, Image, ... */
  type: string;
  /** Bytes on the wire, headers included; 0 when served from the browser's cache. */
  transferBytes: number;
  /** Bytes of the body once decoded. */
  bodyBytes: number;
  encoding: string | null;
  fromCache: boolean;
  /** Requests in the chain that led here: 1 for the page, 2 for what the page names, ... */
  depth: number;
}

/** One page load. */
export interface Visit {
  resources: Resource[];
  transferBytes: number;
  /** Requests that went to the server (not answered from the cache). */
  networkRequests: number;
  /** The longest chain of requests, each found only once the one before it arrived. */
  depth: number;
}

/** A first and a returning visit of `target`'s call page. */
export interface PageWeight {
  target: Target;
  first: Visit;
  returning: Visit;
}

/** Loads `paths` one after another in one fresh context of `browser`; one visit each. */
export async function visits(
  browser: Browser,
  origin: string,
  paths: string[],
  ready: string,
): Promise<Visit[]> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send("Network.enable");
  type Entry = Resource & { initiator?: string };
  let entries = new Map<string, Entry>();
  cdp.on("Network.requestWillBeSent", (event) => {
    const stack = event.initiator.stack?.callFrames?.[0]?.url;
    entries.set(event.requestId, {
      path: new URL(event.request.url).pathname,
      type: event.type ?? "Other",
      transferBytes: 0,
      bodyBytes: 0,
      encoding: null,
      fromCache: false,
      depth: 1,
      initiator: event.initiator.url ?? stack,
    });
  });
  cdp.on("Network.responseReceived", (event) => {
    const entry = entries.get(event.requestId);
    if (!entry) return;
    const headers = Object.fromEntries(
      Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    entry.encoding = headers["content-encoding"] ?? null;
    entry.fromCache = Boolean(event.response.fromDiskCache || event.response.fromPrefetchCache) ||
      event.response.fromServiceWorker === true;
  });
  cdp.on("Network.requestServedFromCache", (event) => {
    const entry = entries.get(event.requestId);
    if (entry) entry.fromCache = true;
  });
  cdp.on("Network.dataReceived", (event) => {
    const entry = entries.get(event.requestId);
    if (entry) entry.bodyBytes += event.dataLength;
  });
  cdp.on("Network.loadingFinished", (event) => {
    const entry = entries.get(event.requestId);
    if (entry) entry.transferBytes = event.encodedDataLength;
  });
  const result: Visit[] = [];
  try {
    for (const path of paths) {
      entries = new Map();
      await page.goto(`${origin}${path}`, { waitUntil: "networkidle0" });
      await page.waitForSelector(ready, { timeout: 15_000 });
      // Signaling (Socket.IO's polling requests and WebSocket) is not part of the page.
      const all = [...entries.values()].filter((e) =>
        e.type !== "WebSocket" && e.path !== "/socket.io/"
      );
      const byUrl = new Map(all.map((entry) => [`${origin}${entry.path}`, entry]));
      const depth = (entry: Entry, seen = 0): number => {
        const parent = entry.initiator ? byUrl.get(entry.initiator.split(/[?#]/)[0]) : undefined;
        return parent && parent !== entry && seen < 10 ? 1 + depth(parent, seen + 1) : 1;
      };
      const resources = all.map(({ initiator: _, ...entry }, i) => ({
        ...entry,
        depth: depth(all[i]),
      }));
      result.push({
        resources,
        transferBytes: resources.reduce((sum, r) => sum + r.transferBytes, 0),
        networkRequests: resources.filter((r) => !r.fromCache && r.transferBytes > 0).length,
        depth: Math.max(...resources.map((r) => r.depth)),
      });
    }
  } finally {
    await context.close();
  }
  return result;
}

/** Cold starts of one way to start a server. */
export interface ColdStart {
  name: string;
  runsMs: number[];
  medianMs: number;
}

/** Spawns `target` `runs` times: spawn to the first `200` for `GET /`. */
export async function coldStart(
  name: string,
  target: Target | "task",
  runs: number,
): Promise<ColdStart> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = now();
    const server = await startTarget(target);
    try {
      const response = await fetch(`${server.url}/`);
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`GET / answered ${response.status}`);
      runsMs.push(round(now() - started));
    } finally {
      await server.stop();
    }
  }
  return { name, runsMs, medianMs: summarize(runsMs).p50 };
}
