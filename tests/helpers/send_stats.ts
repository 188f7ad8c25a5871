/**
 * Test helpers: what a page's call sends and receives, read from its newest peer connection's
 * `getStats()` and senders (the page must be watched with `peer_watch.ts`'s
 * `watchPeerConnections` before it loads), and the indicator's words.
 *
 * @module
 */
import type { Page } from "puppeteer-core";
import { CONNECT_TIMEOUT_MS, describePage, type WaitOptions } from "./browser.ts";

/** The video a page sends or receives over a moment. */
export interface VideoFlow {
  /** The picture's height (px) at the end. */
  height: number;
  /** Bits per second over the moment. */
  bitrate: number;
}

/** What `page` sends (`outbound`) or receives (`inbound`) as video over the next `ms`. */
export async function videoFlow(
  page: Page,
  direction: "outbound" | "inbound",
  ms = 2000,
): Promise<VideoFlow> {
  return await page.evaluate(
    async (direction: string, duration: number) => {
      const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
        .parleyPeerConnections.at(-1);
      if (!pc) return { height: 0, bitrate: 0 };
      const read = async () => {
        let bytes = 0;
        let height = 0;
        for (const report of (await pc.getStats()).values()) {
          if (report.type !== `${direction}-rtp` || report.kind !== "video") continue;
          bytes += direction === "outbound" ? report.bytesSent : report.bytesReceived;
          height = Math.max(height, report.frameHeight ?? 0);
        }
        return { bytes, height, at: performance.now() };
      };
      const first = await read();
      await new Promise((resolve) => setTimeout(resolve, duration));
      const last = await read();
      const bitrate = ((last.bytes - first.bytes) * 8 * 1000) / (last.at - first.at);
      return { height: last.height, bitrate: Math.round(bitrate) };
    },
    direction,
    ms,
  );
}

/**
 * How `page`'s voice goes out: the codec sent (the first one negotiated: Chromium's stats name
 * Opus even inside RED), Opus's parameters, the sender's priority.
 */
export async function voiceSent(
  page: Page,
): Promise<{ codec: string | null; opusFmtp: string | null; priority: string | null }> {
  return await page.evaluate(() => {
    const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections.at(-1);
    const sender = pc?.getSenders().find((s) => s.track?.kind === "audio");
    const parameters = sender?.getParameters();
    const opus = parameters?.codecs.find((codec) => codec.mimeType === "audio/opus");
    return {
      codec: parameters?.codecs[0]?.mimeType ?? null,
      opusFmtp: opus?.sdpFmtpLine ?? null,
      priority: parameters?.encodings[0]?.priority ?? null,
    };
  });
}

/**
 * Waits until `page`'s quality indicator (#quality) says `words` (or, with null, says nothing
 * matching `about`). The indicator is what a person sees; its lines carry `data-problem`.
 */
export async function waitForIndicator(
  page: Page,
  words: RegExp,
  options: WaitOptions & { gone?: boolean } = {},
): Promise<void> {
  try {
    await page.waitForFunction(
      (source: string, gone: boolean) => {
        const box = document.getElementById("quality");
        const text = box && !box.hidden ? box.textContent ?? "" : "";
        return new RegExp(source).test(text) !== gone;
      },
      { timeout: options.timeoutMs ?? CONNECT_TIMEOUT_MS, polling: 200 },
      words.source,
      options.gone ?? false,
    );
  } catch (error) {
    const shown = await page.evaluate(() => document.getElementById("quality")?.textContent);
    throw new Error(
      `the indicator never ${options.gone ? "stopped saying" : "said"} ${words} (it says ` +
        `"${shown}"): ${error}\n${await describePage(page)}`,
    );
  }
}
