/**
 * What runs inside the benchmark's pages. Both functions are serialized by puppeteer, so they use
 * nothing from outside their own bodies.
 *
 * - {@linkcode installHooks} runs in every page before the page's own scripts
 *   (`evaluateOnNewDocument`) and notes when each step of a call happens, seen only through
 *   standard APIs: RTCPeerConnection (created, descriptions set, connected), the page's WebSocket
 *   frames (Socket.IO's `join` and its acknowledgement, offers and answers on the wire), a click
 *   on `#join`, and the first frame a video element presents (`requestVideoFrameCallback`, which
 *   also says when that frame arrived and how long it took to decode). Nothing depends on how the
 *   app is written inside.
 * - {@linkcode floorCall} is the yardstick: two RTCPeerConnections in one page handing each other
 *   descriptions and candidates directly, from `createOffer` to video shown on both sides.
 *
 * Times are `performance.timeOrigin + performance.now()`: ms since the epoch, comparable between
 * the pages of one machine.
 *
 * @module
 */

/** What the hooks keep in the page, as `globalThis.__bench`. */
export interface PageMarks {
  /** Every time each step happened, in order. */
  marks: Record<string, number[]>;
  /**
   * Notes when the video `selector` matches first presents a frame (`shown` + `suffix`), and for
   * that frame when it was received and decoded (`received`, `decoded` + `suffix`).
   */
  watchShown(selector: string, suffix: string): void;
}

/** Installs the hooks; `remoteVideo` (a selector, if any) is watched as `shown`. */
export function installHooks(events: { join: string; signal: string }, remoteVideo: string): void {
  const g = globalThis as unknown as { __bench: PageMarks };
  const marks: Record<string, number[]> = {};
  const mark = (name: string) =>
    (marks[name] ??= []).push(performance.timeOrigin + performance.now());

  const Native = globalThis.RTCPeerConnection;
  class Watched extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      mark("pc");
      this.addEventListener("connectionstatechange", () => {
        if (this.connectionState === "connected") mark("connected");
      });
    }
    override async setLocalDescription(description?: RTCLocalSessionDescriptionInit) {
      await super.setLocalDescription(...(description ? [description] : []));
      mark(`local-${this.localDescription?.type}`);
    }
    override async setRemoteDescription(description: RTCSessionDescriptionInit) {
      await super.setRemoteDescription(description);
      mark(`remote-${this.remoteDescription?.type}`);
    }
  }
  globalThis.RTCPeerConnection = Watched;

  // Socket.IO over engine.io: "4" (message) then "2" (event) or "3" (ack), an ack id, JSON.
  const joinIds = new Set<string>();
  const frame = (direction: "sent" | "received", data: unknown) => {
    const match = typeof data === "string" && /^4([23])(\d*)(\[[\s\S]*)$/.exec(data);
    if (!match) return;
    const [, kind, id, json] = match;
    if (kind === "3") return joinIds.has(id) && mark("join-acked");
    const [event, payload] = JSON.parse(json);
    if (event === events.join && direction === "sent") {
      joinIds.add(id);
      mark("join-sent");
    }
    const type = event === events.signal && payload?.description?.type;
    if (type) mark(`${type}-${direction}`);
  };
  const NativeSocket = globalThis.WebSocket;
  class WatchedSocket extends NativeSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (event) => frame("received", event.data));
    }
    override send(data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      frame("sent", data);
      super.send(data);
    }
  }
  globalThis.WebSocket = WatchedSocket;

  addEventListener("click", (event) => {
    if ((event.target as Element | null)?.closest?.("#join")) mark("join-click");
  }, { capture: true });

  // The first frame the video presents; for WebRTC sources Chromium also says when its last
  // packet arrived and how long decoding took.
  const watchShown = (selector: string, suffix: string) => {
    let watched: Element | null = null;
    const timer = setInterval(() => {
      const video = document.querySelector(selector);
      if (!(video instanceof HTMLVideoElement) || video === watched) return;
      watched = video;
      video.requestVideoFrameCallback((_now, frame) => {
        if (watched !== video) return;
        clearInterval(timer);
        const at = (name: string, time?: number) =>
          time !== undefined && (marks[name + suffix] ??= []).push(performance.timeOrigin + time);
        at("received", frame.receiveTime);
        if (frame.receiveTime !== undefined) {
          at("decoded", frame.receiveTime + (frame.processingDuration ?? 0) * 1000);
        }
        at("shown", frame.presentationTime);
      });
    }, 5);
  };
  if (remoteVideo) watchShown(remoteVideo, "");
  g.__bench = { marks, watchShown };
}

/** One floor call in a page with the hooks: what it took, in ms from `createOffer`. */
export interface FloorTimes {
  connected: number;
  received: number;
  decoded: number;
  shown: number;
}

/** Runs one floor call (the page must have the hooks); resolves once both sides show video. */
export async function floorCall(timeoutMs: number): Promise<FloorTimes> {
  const bench = (globalThis as unknown as { __bench: PageMarks }).__bench;
  for (const name of Object.keys(bench.marks)) delete bench.marks[name];
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  const pcs = [new RTCPeerConnection(), new RTCPeerConnection()];
  const videos = pcs.map((pc, i) => {
    const video = document.createElement("video");
    video.id = `floor-${i}`;
    video.autoplay = video.muted = video.playsInline = true;
    document.body.append(video);
    pc.ontrack = (event) => video.srcObject ??= event.streams[0];
    pc.onicecandidate = (event) => event.candidate && pcs[1 - i].addIceCandidate(event.candidate);
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    bench.watchShown(`#floor-${i}`, `-${i}`);
    return video;
  });
  const [a, b] = pcs;
  const start = performance.timeOrigin + performance.now();
  try {
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const last = (name: string) =>
      Math.max(...[0, 1].map((i) => bench.marks[`${name}-${i}`]?.[0] ?? NaN)) - start;
    const deadline = performance.now() + timeoutMs;
    while (!(bench.marks["shown-0"] && bench.marks["shown-1"])) {
      if (performance.now() > deadline) throw new Error(`no video both ways in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return {
      connected: Math.max(...bench.marks.connected) - start,
      received: last("received"),
      decoded: last("decoded"),
      shown: last("shown"),
    };
  } finally {
    for (const pc of pcs) pc.close();
    for (const track of stream.getTracks()) track.stop();
    for (const video of videos) video.remove();
  }
}
