/**
 * What a page's peer connections went through, for a failed browser test to say why a picture
 * did not come: each connection's descriptions set, candidates, ICE restarts, and its signaling,
 * ICE and connection states, with the time since the page loaded. Recorded by wrapping
 * `RTCPeerConnection` before the page's own code runs; nothing of the app changes.
 *
 * @module
 */
import type { Page } from "puppeteer-core";

/** Starts recording `page`'s peer connections: call before it loads the call. */
export async function recordPeerConnections(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    const Native = globalThis.RTCPeerConnection;
    if (!Native) return;
    const logs: string[][] = [];
    (globalThis as unknown as { __peerLogs: string[][] }).__peerLogs = logs;
    const ms = () => Math.round(performance.now());
    class Recorded extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        const log: string[] = [];
        logs.push(log);
        const note = (what: string) => log.push(`${ms()} ${what}`);
        note("made");
        this.addEventListener("negotiationneeded", () => note("negotiationneeded"));
        this.addEventListener(
          "signalingstatechange",
          () => note(`signaling ${this.signalingState}`),
        );
        this.addEventListener(
          "iceconnectionstatechange",
          () => note(`ice ${this.iceConnectionState}`),
        );
        this.addEventListener(
          "connectionstatechange",
          () => note(`connection ${this.connectionState}`),
        );
        this.addEventListener(
          "icegatheringstatechange",
          () => note(`gathering ${this.iceGatheringState}`),
        );
        let candidates = 0;
        this.addEventListener("icecandidate", (e) => {
          if (e.candidate) candidates++;
          else note(`gathered ${candidates} candidates`);
        });
        const wrap = (name: string, describe: (args: unknown[]) => string) => {
          const own = this as unknown as Record<string, (...args: unknown[]) => unknown>;
          const original = own[name].bind(this);
          own[name] = (...args: unknown[]) => {
            const result = original(...args);
            const said = describe(args);
            if (result instanceof Promise) {
              return result.then(
                (value) => (said && note(`${name} ${said}`), value),
                (error) => {
                  note(`${name} ${said} FAILED ${error}`);
                  throw error;
                },
              );
            }
            if (said) note(`${name} ${said}`);
            return result;
          };
        };
        const type = (args: unknown[]) =>
          (args[0] as RTCSessionDescriptionInit | undefined)?.type ?? "(implicit)";
        wrap("setLocalDescription", type);
        wrap("setRemoteDescription", type);
        let added = 0;
        wrap("addIceCandidate", () => (++added % 5 === 1 ? `#${added}` : ""));
        wrap("restartIce", () => "called");
        wrap("close", () => "called");
      }
    }
    globalThis.RTCPeerConnection = Recorded as typeof RTCPeerConnection;
  });
}

/** What `page`'s peer connections went through, one block per connection. */
export async function peerLog(page: Page): Promise<string> {
  try {
    const logs = await page.evaluate(() =>
      (globalThis as unknown as { __peerLogs?: string[][] }).__peerLogs ?? []
    );
    return logs.map((log, i) => `  peer connection ${i + 1}:\n    ${log.join("\n    ")}`).join(
      "\n",
    );
  } catch (error) {
    return `  (unreadable: ${(error as Error).message})`;
  }
}
