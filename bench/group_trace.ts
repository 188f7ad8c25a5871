/**
 * With `PARLEY_BENCH_TRACE=dir`, the group part writes what each page went through around the
 * last person's Join to a file there: its peer connections' states and descriptions
 * (`tests/helpers/peer_watch.ts`), the page's state, and every Socket.IO event it sent or got
 * (name, and for a signal the description's type or "candidate" and whom it names), and the
 * first frame each tile presents, as ms after the Join click; and a picture of what the newcomer
 * sees then. For looking into where the time goes; it changes nothing measured.
 *
 * @module
 */
import type { Page } from "puppeteer-core";
import type { User } from "../tests/helpers/browser.ts";

/** Where traces go, if they are asked for. */
export const TRACE_DIR = Deno.env.get("PARLEY_BENCH_TRACE") ?? null;

/** Installs the frame watch in `page` (before `goto`): the page keeps `__frames`. */
export async function traceFrames(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const frames: string[] = [];
    // peer_watch's log counts from about now (its script ran just before this one).
    Object.assign(globalThis, { __frames: frames, __traceStart: performance.now() });
    const at = () => Math.round(performance.timeOrigin + performance.now());
    const frame = (direction: string, data: unknown) => {
      const match = typeof data === "string" && /^4([23])(\d*)(\[[\s\S]*)$/.exec(data);
      if (!match) return;
      const [, kind, id, json] = match;
      const parsed = JSON.parse(json);
      if (kind === "3") return frames.push(`${at()} ${direction} ack ${id}`);
      const [event, payload] = parsed;
      const what = payload?.description?.type ?? (payload?.candidate ? "candidate" : "");
      const who = payload?.to ?? payload?.from ?? "";
      frames.push(`${at()} ${direction} ${event}${id ? `#${id}` : ""} ${what} ${who}`.trim());
    };
    const Native = globalThis.WebSocket;
    globalThis.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener("message", (event) => frame("got", event.data));
      }
      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        frame("sent", data);
        super.send(data);
      }
    };
  });
}

/** Writes each page's trace since `since` (ms since the epoch) to `dir/name`. */
export async function writeTrace(dir: string, name: string, people: User[], since: number) {
  await Deno.mkdir(dir, { recursive: true });
  const parts: string[] = [];
  for (const person of people) {
    const lines = await person.page.evaluate(() => {
      const g = globalThis as unknown as {
        parleyLog?: string[];
        __frames?: string[];
        __traceStart?: number;
        __tiles?: { first: number[] };
      };
      // peer_watch's times are ms after its script ran, just before the frame watch's.
      const origin = performance.timeOrigin + (g.__traceStart ?? 0);
      const log = (g.parleyLog ?? []).map((line) => {
        const [ms, ...rest] = line.split(" ");
        return `${Math.round(origin + Number(ms))} ${rest.join(" ")}`;
      });
      const shown = (g.__tiles?.first ?? []).map((t) => `${Math.round(t)} first frame in a tile`);
      return [...log, ...(g.__frames ?? []), ...shown];
    });
    const rows = lines
      .map((line) => {
        const [t, ...rest] = line.split(" ");
        return [Number(t) - since, rest.join(" ")] as const;
      })
      .filter(([t]) => t > -3000)
      .sort((a, b) => a[0] - b[0])
      .map(([t, what]) => `${String(t).padStart(6)} ${what}`);
    parts.push(`== ${person.name}\n${rows.join("\n")}`);
  }
  await Deno.writeTextFile(`${dir}/${name}`, parts.join("\n\n") + "\n");
}
