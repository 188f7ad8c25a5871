/**
 * Helpers of the hostile-peer browser tests: a Parley page whose data channels the test drives
 * directly (speaking the protocol as a modified client would, as fast as the channel takes it),
 * and what the victim's tab goes through meanwhile: its longest task (a PerformanceObserver for
 * long tasks), its memory (the resident size of its browser's renderer processes, and its
 * JavaScript heap after a garbage collection) and its DOM size.
 *
 * @module
 */
import type { Browser, Page } from "puppeteer-core";

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a flood from the hostile page did: frames and bytes sent, how long it took, and whether
 * the victim closed the channel under it.
 */
export interface FloodReport {
  frames: number;
  bytes: number;
  ms: number;
  closed: boolean;
}

/**
 * What the hostile page sends: one text frame over and over (`count` times, or until the time is
 * up), `offers` file offers with ids of their own, or `push` files of `size` bytes each sent
 * without waiting for an answer (offer, start, the bytes in 64 KiB frames, end).
 */
export type FloodPlan =
  | { repeat: string; count?: number }
  | { offers: number }
  | { push: number; size: number };

/**
 * Sends `plan` on the hostile page's `label` channel as fast as the channel takes it (its buffer
 * kept under 4 MiB, as the browser closes a channel whose buffer overflows), for at most
 * `seconds`, then waits for the buffer to drain. The page works in slices of a few seconds, so
 * a long flood on a slow machine outlasts no DevTools call.
 */
export async function flood(
  hostile: Page,
  label: "control" | "files",
  plan: FloodPlan,
  seconds = 600,
): Promise<FloodReport> {
  await channelOpen(hostile, label);
  const started = performance.now();
  const report = { frames: 0, bytes: 0, ms: 0, closed: false };
  for (let from = 0; from >= 0 && !report.closed;) {
    const left = seconds - (performance.now() - started) / 1000;
    if (left <= 0) break;
    const slice = await hostile.evaluate(sendSlice, label, plan, from, Math.min(left, 5));
    report.frames += slice.frames;
    report.bytes += slice.bytes;
    report.closed = slice.closed;
    from = slice.next;
  }
  await hostile.waitForFunction(
    (label: string) => {
      const channel = (globalThis as unknown as {
        parleyPeerConnections: { parleyChannels: Record<string, RTCDataChannel> }[];
      }).parleyPeerConnections.at(-1)!.parleyChannels[label];
      return channel.bufferedAmount === 0 || channel.readyState !== "open";
    },
    { timeout: 120_000, polling: 50 },
    label,
  );
  report.closed ||= await hostile.evaluate(
    (label: string) =>
      (globalThis as unknown as {
        parleyPeerConnections: { parleyChannels: Record<string, RTCDataChannel> }[];
      }).parleyPeerConnections.at(-1)!.parleyChannels[label].readyState !== "open",
    label,
  );
  report.ms = Math.round(performance.now() - started);
  return report;
}

/** Waits until the hostile page's newest connection has its `label` channel open. */
async function channelOpen(hostile: Page, label: string): Promise<void> {
  await hostile.waitForFunction(
    (label: string) =>
      (globalThis as unknown as {
        parleyPeerConnections: { parleyChannels: Record<string, RTCDataChannel> }[];
      }).parleyPeerConnections.at(-1)?.parleyChannels[label]?.readyState === "open",
    { timeout: 30_000, polling: 100 },
    label,
  );
}

/**
 * In the hostile page: sends the plan's frames from number `from` on, for `seconds`; returns
 * what it sent and the next frame's number (-1: the plan is done, or the channel closed).
 */
async function sendSlice(label: string, plan: FloodPlan, from: number, seconds: number) {
  const pc = (globalThis as unknown as {
    parleyPeerConnections: (RTCPeerConnection & {
      parleyChannels: Record<string, RTCDataChannel>;
    })[];
  }).parleyPeerConnections.at(-1)!;
  const channel = pc.parleyChannels[label];
  if (!channel) throw new Error(`no ${label} channel`);
  const CHUNK = 64 * 1024;
  const chunk = new ArrayBuffer(CHUNK);
  /** Frame number `i` of the plan, or null past its end. */
  const frameAt = (i: number): string | ArrayBuffer | null => {
    if ("repeat" in plan) return i < (plan.count ?? Infinity) ? plan.repeat : null;
    if ("offers" in plan) {
      if (i >= plan.offers) return null;
      const offer = { type: "file.offer", id: `o${i}`, name: `invoice-${i}.pdf`, size: 2200000 };
      return JSON.stringify({ ...offer, mime: "application/pdf" });
    }
    const perFile = Math.ceil(plan.size / CHUNK) + 3;
    const file = Math.floor(i / perFile);
    const at = i % perFile;
    const id = `push${file}`;
    if (file >= plan.push) return null;
    if (at === 0) {
      return JSON.stringify({
        type: "file.offer",
        id,
        name: `${id}.bin`,
        size: plan.size,
        mime: "",
      });
    }
    if (at === 1) return JSON.stringify({ type: "file.start", id });
    if (at === perFile - 1) return JSON.stringify({ type: "file.end", id, sha256: "0".repeat(64) });
    return chunk;
  };
  channel.bufferedAmountLowThreshold = 1024 * 1024;
  const drained = () =>
    new Promise((resolve) => {
      channel.addEventListener("bufferedamountlow", resolve, { once: true });
      channel.addEventListener("close", resolve, { once: true });
    });
  const started = performance.now();
  let frames = 0;
  let bytes = 0;
  for (let i = from;; i++) {
    const frame = frameAt(i);
    if (channel.readyState !== "open") return { frames, bytes, next: -1, closed: true };
    if (frame === null) return { frames, bytes, next: -1, closed: false };
    if (performance.now() - started > seconds * 1000) {
      return { frames, bytes, next: i, closed: false };
    }
    if (channel.bufferedAmount > 4 * 1024 * 1024) await drained();
    if (channel.readyState !== "open") return { frames, bytes, next: -1, closed: true };
    channel.send(frame as string);
    bytes += typeof frame === "string" ? frame.length : frame.byteLength;
    frames++;
  }
}

/** Starts recording the page's long tasks (over 50 ms) from now on. */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const tasks: number[] = [];
    const state = globalThis as unknown as { parleyLongTasks?: PerformanceObserver };
    state.parleyLongTasks?.disconnect();
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push(entry.duration);
    });
    observer.observe({ type: "longtask" });
    Object.assign(globalThis, { parleyLongTasks: observer, parleyTaskTimes: tasks });
  });
}

/** The longest task since {@linkcode watchLongTasks}, in ms (0: none over 50 ms), and how many. */
export async function longestTask(page: Page): Promise<{ longest: number; count: number }> {
  return await page.evaluate(() => {
    const tasks = (globalThis as unknown as { parleyTaskTimes: number[] }).parleyTaskTimes;
    return { longest: Math.round(Math.max(0, ...tasks)), count: tasks.length };
  });
}

/** What the victim's tab holds: its renderers' resident size, its JS heap, its DOM. */
export interface TabMemory {
  /** Resident memory of the browser's renderer processes, MB. */
  rendererMb: number;
  /** The page's JavaScript heap in use after a garbage collection, MB. */
  heapMb: number;
  /** Elements in the document. */
  nodes: number;
}

/** Process ids of `pid` and everything under it. */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry.name), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** The memory of `page`'s tab, in `browser` (a browser of its own, so its renderers are its). */
export async function tabMemory(browser: Browser, page: Page): Promise<TabMemory> {
  const session = await page.createCDPSession();
  try {
    await session.send("HeapProfiler.collectGarbage");
  } finally {
    await session.detach();
  }
  const metrics = await page.metrics();
  let rendererKb = 0;
  for (const pid of await processTree(browser.process()!.pid!)) {
    try {
      const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`);
      if (!cmdline.includes("--type=renderer")) continue;
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      rendererKb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return {
    rendererMb: Math.round(rendererKb / 1024),
    heapMb: Math.round((metrics.JSHeapUsedSize ?? 0) / (1024 * 1024)),
    nodes: await page.evaluate(() => document.getElementsByTagName("*").length),
  };
}

/**
 * A control tab in `browser` (a context of its own, so a renderer of its own) doing a little work
 * in small tasks all the time, as the victim does while flooded: its longest task over the same
 * window is the floor a loaded machine sets for any tab (TEAM.md: timings as ratios to a floor
 * measured in the same run). Its long tasks are watched from the start.
 */
export async function controlTab(browser: Browser): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.evaluate(() => {
    setInterval(() => {
      const started = performance.now();
      while (performance.now() - started < 0.5) { /* half a millisecond of work */ }
    }, 10);
  });
  await watchLongTasks(page);
  return page;
}

/**
 * From the hostile page, one file the way a modified client would offer it: any `name` and
 * `mime` (an honest page makes its own file names safe first; this one does not), sent once the
 * victim accepts, with the right hash, so the victim saves it. Resolves when it is sent.
 */
export async function offerFile(
  hostile: Page,
  file: { id: string; name: string; mime: string; text: string },
): Promise<void> {
  await channelOpen(hostile, "files");
  await hostile.evaluate(async ({ id, name, mime, text }) => {
    const pc = (globalThis as unknown as {
      parleyPeerConnections: { parleyChannels: Record<string, RTCDataChannel> }[];
    }).parleyPeerConnections.at(-1)!;
    const channel = pc.parleyChannels.files;
    const bytes = new TextEncoder().encode(text);
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const sha256 = [...hash].map((byte) => byte.toString(16).padStart(2, "0")).join("");
    const accepted = new Promise<void>((resolve) => {
      const heard = (event: MessageEvent) => {
        if (typeof event.data !== "string") return;
        const header = JSON.parse(event.data);
        if (header.type !== "file.accept" || header.id !== id) return;
        channel.removeEventListener("message", heard);
        resolve();
      };
      channel.addEventListener("message", heard);
    });
    channel.send(JSON.stringify({ type: "file.offer", id, name, size: bytes.byteLength, mime }));
    await accepted;
    channel.send(JSON.stringify({ type: "file.start", id }));
    channel.send(bytes.buffer);
    channel.send(JSON.stringify({ type: "file.end", id, sha256 }));
  }, file);
}
