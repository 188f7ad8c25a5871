/**
 * Test helpers that look under the page: every RTCPeerConnection the app uses for a call (one
 * that got the other side's description; one made ahead and never used does not count) is in a
 * list the test can read (`parleyPeerConnections`, each with its data channels by label in
 * `parleyChannels`), and what the network, the peer connections (their states, the descriptions
 * set, negotiationneeded) and the call machine go through is logged with times, for failure
 * reports. Installed before the page's own scripts run (a DevTools "script to evaluate on new
 * document", which the page's CSP does not apply to).
 *
 * @module
 */
import type { Page } from "puppeteer-core";

/** Installs the watch in `page`, for every document it loads from now on. Call before `goto`. */
export async function watchPeerConnections(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const Original = globalThis.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    const log: string[] = [];
    const start = performance.now();
    const note = (what: string) => log.push(`${Math.round(performance.now() - start)} ${what}`);
    globalThis.addEventListener("online", () => note("online"));
    globalThis.addEventListener("offline", () => note("offline"));
    // Those given the other side's description (noted as it is set: Firefox throws on reading a
    // closed connection's description).
    const used = new Set<RTCPeerConnection>();
    Object.defineProperty(globalThis, "parleyPeerConnections", {
      get: () => made.filter((pc) => used.has(pc)),
    });
    Object.assign(globalThis, {
      parleyLog: log,
      RTCPeerConnection: class extends Original {
        constructor(configuration?: RTCConfiguration) {
          super(configuration);
          made.push(this);
          this.#used = () => used.add(this);
          const id = made.length;
          const on = (type: string, what: () => string) =>
            this.addEventListener(type, () => note(`pc${id} ${what()}`));
          on("connectionstatechange", () => this.connectionState);
          on("iceconnectionstatechange", () => `ice ${this.iceConnectionState}`);
          on("signalingstatechange", () => `signaling ${this.signalingState}`);
          on("negotiationneeded", () => "negotiationneeded");
          this.#note = (what) => note(`pc${id} ${what}`);
        }
        #note: (what: string) => void = () => {};
        // Which descriptions were set, and what each was: an answer taken for another offer, or
        // a rollback, shows here.
        override setLocalDescription(description?: RTCLocalSessionDescriptionInit) {
          this.#note(`local ${description?.type ?? "(implicit)"}`);
          return super.setLocalDescription(description);
        }
        #used: () => void = () => {};
        override setRemoteDescription(description: RTCSessionDescriptionInit) {
          this.#note(`remote ${description.type}`);
          return super.setRemoteDescription(description).then(() => {
            if (this.remoteDescription !== null) this.#used();
          });
        }
        /** The data channels made on this connection, by label (a hostile test speaks on them). */
        parleyChannels: Record<string, RTCDataChannel> = {};
        override createDataChannel(label: string, init?: RTCDataChannelInit) {
          const channel = super.createDataChannel(label, init);
          this.parleyChannels[label] = channel;
          return channel;
        }
      },
    });
    new MutationObserver(() => {
      const state = document.getElementById("app")?.dataset.state;
      if (state && !log.at(-1)?.endsWith(state)) note(state);
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-state"] });
  });
}

/** How many peer connections the page made, and the newest one's local ICE username fragment. */
export interface PeerConnectionsSeen {
  count: number;
  ufrag: string | null;
}

/** What {@linkcode watchPeerConnections} has seen in `page` so far. */
export async function peerConnectionsOf(page: Page): Promise<PeerConnectionsSeen> {
  return await page.evaluate(() => {
    const made = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
      .parleyPeerConnections;
    const sdp = made.at(-1)?.localDescription?.sdp ?? "";
    return { count: made.length, ufrag: /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? null };
  });
}

/**
 * The longest time, in ms, during the next `ms` in which the page's newest peer connection
 * received no `kind` packets: about 20 ms for live audio, the whole `ms` when nothing arrives.
 */
export async function longestReceiveGap(
  page: Page,
  kind: "audio" | "video",
  ms: number,
): Promise<number> {
  return await page.evaluate(
    async (kind: string, duration: number) => {
      const pc = (globalThis as unknown as { parleyPeerConnections: RTCPeerConnection[] })
        .parleyPeerConnections.at(-1);
      if (!pc) return duration;
      const received = async () => {
        let packets = 0;
        for (const report of (await pc.getStats()).values()) {
          if (report.type === "inbound-rtp" && report.kind === kind) {
            packets += report.packetsReceived;
          }
        }
        return packets;
      };
      const start = performance.now();
      let last = await received();
      let lastChange = start;
      let gap = 0;
      while (performance.now() - start < duration) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const now = await received();
        const at = performance.now();
        if (now !== last) {
          gap = Math.max(gap, at - lastChange);
          last = now;
          lastChange = at;
        }
      }
      return Math.round(Math.max(gap, performance.now() - lastChange));
    },
    kind,
    ms,
  );
}

/** The page's log of network, peer connection and call state changes, with times in ms. */
export async function pageLog(page: Page): Promise<string[]> {
  try {
    return await page.evaluate(() => (globalThis as unknown as { parleyLog: string[] }).parleyLog);
  } catch (error) {
    return [`(no log: ${(error as Error).message})`];
  }
}
