/**
 * One camera's frames blurred, one after another: the compositor (blur_compositor.ts) at the size
 * `OutputScale` allows, with the newest mask, and a sample of a frame for the segmenter whenever
 * one is wanted. Used where the frames are: in the blur's worker (insertable streams) or on the
 * page (the canvas pipeline).
 *
 * @module
 */
import { BlurCompositor, type Canvas } from "./blur_compositor.ts";
import { OutputScale } from "./blur_pace.ts";

/** Blurs frames into {@linkcode output}. */
export class FrameBlur {
  readonly #compositor: BlurCompositor;
  readonly #size = new OutputScale();
  #mask: CanvasImageSource | null = null;
  #sampleWanted = true;

  constructor(readonly output: Canvas) {
    this.#compositor = new BlurCompositor(output);
  }

  /** The size drawn at now, as a fraction of the camera's. */
  get scale(): number {
    return this.#size.scale;
  }

  /** The mask to blur by from now on (the last one is closed if it is a bitmap). */
  setMask(mask: CanvasImageSource): void {
    if (this.#mask !== mask && this.#mask instanceof ImageBitmap) this.#mask.close();
    this.#mask = mask;
  }

  /** Take a sample of the next frame for the segmenter. */
  wantSample(): void {
    this.#sampleWanted = true;
  }

  /**
   * Draws `frame` (`width` × `height`) blurred into the output; returns a sample of it for the
   * segmenter when one was wanted.
   */
  blur(frame: CanvasImageSource, width: number, height: number): Canvas | null {
    const sample = this.#sampleWanted;
    this.#sampleWanted = false;
    return this.#compositor.draw(
      frame,
      { width, height, scale: this.#size.scale },
      this.#mask,
      sample,
    );
  }

  /** Notes that the frame begun at `startedAt` (performance.now()) is out: the size adapts. */
  done(startedAt: number): void {
    const now = performance.now();
    this.#size.record(now - startedAt, now);
  }

  close(): void {
    if (this.#mask instanceof ImageBitmap) this.#mask.close();
    this.#mask = null;
  }
}
