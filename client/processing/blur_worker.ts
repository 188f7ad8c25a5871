/**
 * The background blur's worker (a module worker, a bundle of its own), where Chromium's insertable
 * streams let frames go: it reads the camera's `VideoFrame`s, blurs each (blur_frames.ts) and
 * writes it to the track that is sent, off the page's thread. The page segments: it asks for a
 * sample when it is ready for one and sends back each new mask.
 *
 * @module
 */
import { FrameBlur } from "./blur_frames.ts";

/** Page → worker. */
export type ToBlurWorker =
  /** Where blurred frames go (the generated track's writable). */
  | { type: "output"; writable: WritableStream<VideoFrame> }
  /** Frames to blur from now on (a track processor's readable; null: none). */
  | { type: "source"; readable: ReadableStream<VideoFrame> | null }
  | { type: "mask"; bitmap: ImageBitmap }
  | { type: "wantSample" }
  | { type: "stop" };

/** Worker → page: a frame at the segmentation model's size; `scale`: the size drawn at. */
export type FromBlurWorker = { type: "sample"; bitmap: ImageBitmap; scale: number };

/** The worker's scope, as far as this module uses it (the project's lib is the window's). */
declare const self: {
  onmessage: ((event: MessageEvent<ToBlurWorker>) => void) | null;
  postMessage(message: FromBlurWorker, transfer: Transferable[]): void;
  close(): void;
};

const frames = new FrameBlur(new OffscreenCanvas(2, 2));
let writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
let reader: ReadableStreamDefaultReader<VideoFrame> | null = null;

async function pump(mine: ReadableStreamDefaultReader<VideoFrame>): Promise<void> {
  for (;;) {
    const { value: frame, done } = await mine.read().catch(() => ({ value: null, done: true }));
    if (done || !frame) return;
    const startedAt = performance.now();
    try {
      const sample = frames.blur(frame, frame.displayWidth, frame.displayHeight);
      if (sample) {
        const bitmap = (sample as OffscreenCanvas).transferToImageBitmap();
        self.postMessage({ type: "sample", bitmap, scale: frames.scale }, [bitmap]);
      }
      const out = new VideoFrame(frames.output, { timestamp: frame.timestamp });
      frame.close();
      // The drawing's own time: waiting for the encoder to take the frame is not drawing.
      frames.done(startedAt);
      if (reader !== mine || !writer) {
        out.close();
        return;
      }
      await writer.write(out);
    } catch {
      frame.close();
      if (reader !== mine) return;
    }
  }
}

self.onmessage = ({ data }) => {
  switch (data.type) {
    case "output":
      writer = data.writable.getWriter();
      return;
    case "source":
      void reader?.cancel().catch(() => {});
      reader = data.readable?.getReader() ?? null;
      if (reader) void pump(reader);
      return;
    case "mask":
      return frames.setMask(data.bitmap);
    case "wantSample":
      return frames.wantSample();
    case "stop":
      void reader?.cancel().catch(() => {});
      void writer?.close().catch(() => {});
      frames.close();
      return self.close();
  }
};
