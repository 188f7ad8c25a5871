/**
 * The background blur's pipeline (loaded when it is switched on): every camera frame drawn with
 * its background blurred (blur_compositor.ts), by the newest mask of where the person is
 * (segmenter.ts), made at the pace blur_pace.ts allows, out as a new track to send in the
 * camera's place. The camera can be swapped underneath (another device, camera off and on again)
 * while the track that goes out stays the same.
 *
 * Where the browser has insertable streams (`MediaStreamTrackProcessor`/`Generator`: Chromium)
 * frames go from the camera to the output as `VideoFrame`s through a worker (blur_worker.ts), off
 * the page's thread; elsewhere (Firefox) the camera plays in a video element on the page and the
 * output is a canvas's `captureStream()`. Segmentation runs on the page (MediaPipe's solution
 * needs one) on the samples the frames' side takes when asked.
 *
 * @module
 */
import { assetUrl } from "./assets.ts";
import { FrameBlur } from "./blur_frames.ts";
import { SegmentationPace } from "./blur_pace.ts";
import type { FromBlurWorker, ToBlurWorker } from "./blur_worker.ts";
import { createSegmenter } from "./segmenter.ts";

/** Chromium's insertable streams for video (lib.dom does not describe them yet). */
declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack });
  readonly readable: ReadableStream<VideoFrame>;
}
declare class MediaStreamTrackGenerator extends MediaStreamTrack {
  constructor(init: { kind: "video" });
  readonly writable: WritableStream<VideoFrame>;
}

/** A running background blur. */
export interface BlurPipeline {
  /** The blurred picture: send this. */
  readonly track: MediaStreamTrack;
  /** Which way frames go: insertable streams (in a worker) or a canvas (on the page). */
  readonly path: "insertable-streams" | "canvas";
  /** Blur this camera from now on (null: none, the output waits). */
  setSource(source: MediaStreamTrack | null): void;
  /** Segmentations so far, how long one takes these days (ms), the size drawn at. */
  stats(): { segmentations: number; segmentationMs: number | null; scale: number };
  stop(): void;
}

/** Whether this browser has insertable streams for video (checked where the pipeline starts). */
export function hasInsertableStreams(): boolean {
  return typeof MediaStreamTrackProcessor === "function" &&
    typeof MediaStreamTrackGenerator === "function" && typeof Worker === "function";
}

/** What a frame pump tells the segmentation, and asks of it. */
interface Segmentation {
  /** A sample of a frame; its frames are drawn at `scale`. */
  sampled(picture: CanvasImageSource, scale: number): void;
}

/** Frames in, blurred frames out, sampled for the segmenter when asked. */
interface Pump {
  track: MediaStreamTrack;
  path: BlurPipeline["path"];
  setSource(source: MediaStreamTrack | null): void;
  /** The newest mask. */
  mask(mask: HTMLCanvasElement): void;
  /** Sample the next frame. */
  wantSample(): void;
  stop(): void;
}

/** Starts the blur on `source`; resolves once the model is loaded. */
export async function startBlurPipeline(source: MediaStreamTrack | null): Promise<BlurPipeline> {
  const segmenter = await createSegmenter();
  const pace = new SegmentationPace();
  let segmentations = 0;
  let scale = 1;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const segmentation: Segmentation = {
    sampled(picture, drawnAt) {
      scale = drawnAt;
      const started = performance.now();
      segmenter.segment(picture).then(() => {
        pace.record(performance.now() - started);
        segmentations++;
        if (stopped) return;
        pump.mask(segmenter.mask);
        timer = setTimeout(() => pump.wantSample(), pace.pauseMs());
      }, () => {
        if (!stopped) timer = setTimeout(() => pump.wantSample(), 1000);
      }).finally(() => {
        if (typeof ImageBitmap !== "undefined" && picture instanceof ImageBitmap) picture.close();
      });
    },
  };
  const pump = hasInsertableStreams() ? workerPump(segmentation) : canvasPump(segmentation);
  // Still a face in motion (media.ts): on a poor network it gives up resolution, not frames.
  if ("contentHint" in pump.track) pump.track.contentHint = "motion";
  pump.setSource(source);
  return {
    track: pump.track,
    path: pump.path,
    setSource: pump.setSource,
    stats: () => ({ segmentations, segmentationMs: pace.estimateMs, scale }),
    stop() {
      stopped = true;
      clearTimeout(timer);
      pump.stop();
      segmenter.close();
    },
  };
}

/** Chromium: the camera's frames blurred in a worker (blur_worker.ts), into a generated track. */
function workerPump(segmentation: Segmentation): Pump {
  const worker = new Worker(assetUrl("blur_worker.js"), { type: "module" });
  const tell = (message: ToBlurWorker, transfer: Transferable[] = []) =>
    worker.postMessage(message, transfer);
  const generator = new MediaStreamTrackGenerator({ kind: "video" });
  tell({ type: "output", writable: generator.writable }, [generator.writable]);
  worker.onmessage = ({ data }: MessageEvent<FromBlurWorker>) =>
    segmentation.sampled(data.bitmap, data.scale);
  return {
    track: generator,
    path: "insertable-streams",
    setSource(source) {
      if (!source || source.readyState !== "live") return tell({ type: "source", readable: null });
      const { readable } = new MediaStreamTrackProcessor({ track: source });
      tell({ type: "source", readable }, [readable]);
    },
    mask(mask) {
      void createImageBitmap(mask).then((bitmap) => tell({ type: "mask", bitmap }, [bitmap]));
    },
    wantSample: () => tell({ type: "wantSample" }),
    stop() {
      tell({ type: "stop" });
      generator.stop();
      // Whatever it was doing, it is of no use now.
      setTimeout(() => worker.terminate(), 1000);
    },
  };
}

/** Elsewhere: the camera in a video element, each new frame blurred into a captured canvas. */
function canvasPump(segmentation: Segmentation): Pump {
  const output = document.createElement("canvas");
  const frames = new FrameBlur(output);
  const track = output.captureStream().getVideoTracks()[0];
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  let stopped = false;
  let source: MediaStreamTrack | null = null;
  const draw = () => {
    if (stopped || !source || video.videoWidth === 0) return;
    const startedAt = performance.now();
    const sample = frames.blur(video, video.videoWidth, video.videoHeight);
    frames.done(startedAt);
    if (sample) segmentation.sampled(sample, frames.scale);
  };
  const next = () => {
    if (stopped) return;
    if ("requestVideoFrameCallback" in video) {
      video.requestVideoFrameCallback(() => (draw(), next()));
    } else setTimeout(() => (draw(), next()), 1000 / 30);
  };
  next();
  return {
    track,
    path: "canvas",
    setSource(next) {
      source = next?.readyState === "live" ? next : null;
      video.srcObject = source ? new MediaStream([source]) : null;
      if (source) void video.play().catch(() => {});
    },
    mask: (mask) => frames.setMask(mask),
    wantSample: () => frames.wantSample(),
    stop() {
      stopped = true;
      video.srcObject = null;
      track.stop();
      frames.close();
    },
  };
}
