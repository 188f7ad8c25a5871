/**
 * Draws a camera frame with its background blurred, given a mask of where the person is: the
 * frame, cut out by the mask, over a blurred copy of itself. The blur is made small (a sixteenth
 * of the width, blurred there, then stretched back), which costs little and blurs a lot. The frame
 * is turned into pixels once, at the size it is drawn at (blur_pace.ts's `OutputScale`); the
 * segmenter's sample and the background are taken from those pixels.
 *
 * @module
 */
import { MODEL_HEIGHT, MODEL_WIDTH } from "./segmenter.ts";

/** The background is blurred at this fraction of the frame's width... */
const BACKGROUND_SCALE = 1 / 16;
/** ...with this radius there (about 50 pixels at 1280×720 once stretched back). */
const BACKGROUND_BLUR = "blur(3px)";

/** A canvas of the page, or an offscreen one (in a worker, or where the browser has them). */
export type Canvas = HTMLCanvasElement | OffscreenCanvas;
type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function canvas(width: number, height: number): Canvas {
  if (typeof OffscreenCanvas === "function") return new OffscreenCanvas(width, height);
  return Object.assign(document.createElement("canvas"), { width, height });
}

function context2d(target: Canvas): Context2D {
  const context = target.getContext("2d", { willReadFrequently: true }) as Context2D | null;
  if (!context) throw new Error("no 2D canvas");
  return context;
}

/** Blurs frames' backgrounds into {@linkcode output}. */
export class BlurCompositor {
  readonly #out: Context2D;
  readonly #background: Canvas = canvas(1, 1);
  readonly #backgroundContext = context2d(this.#background);
  readonly #sample: Canvas = canvas(MODEL_WIDTH, MODEL_HEIGHT);
  readonly #sampleContext = context2d(this.#sample);

  /** `output`: where the blurred frames are drawn (it takes each frame's size). */
  constructor(readonly output: Canvas) {
    this.#out = context2d(output);
  }

  /**
   * Draws `frame` (`width` × `height`) into the output at `scale` of its size, with everything
   * `mask` leaves out blurred; with no mask yet, all of it blurred (nothing of the room shows
   * before the first mask). With `sample`, also returns the frame at the segmentation model's size.
   */
  draw(
    frame: CanvasImageSource,
    size: { width: number; height: number; scale: number },
    mask: CanvasImageSource | null,
    sample = false,
  ): Canvas | null {
    // Even sizes: video encoders halve them for colour.
    const width = Math.max(2, Math.round((size.width * size.scale) / 2) * 2);
    const height = Math.max(2, Math.round((size.height * size.scale) / 2) * 2);
    const out = this.#out;
    if (this.output.width !== width || this.output.height !== height) {
      this.output.width = width;
      this.output.height = height;
    }
    const small = this.#background;
    const smallWidth = Math.max(1, Math.round(width * BACKGROUND_SCALE));
    const smallHeight = Math.max(1, Math.round(height * BACKGROUND_SCALE));
    if (small.width !== smallWidth || small.height !== smallHeight) {
      small.width = smallWidth;
      small.height = smallHeight;
    }
    // The camera's frame is turned into pixels once; the rest is drawn from those.
    out.globalCompositeOperation = "copy";
    out.imageSmoothingEnabled = true;
    out.imageSmoothingQuality = "low";
    out.drawImage(frame, 0, 0, width, height);
    if (sample) this.#sampleContext.drawImage(this.output, 0, 0, MODEL_WIDTH, MODEL_HEIGHT);
    const background = this.#backgroundContext;
    background.filter = BACKGROUND_BLUR;
    background.drawImage(this.output, 0, 0, smallWidth, smallHeight);
    if (mask) {
      // Keep the person (the mask's opaque part), then fill what is left with the background.
      out.globalCompositeOperation = "destination-in";
      out.drawImage(mask, 0, 0, width, height);
      out.globalCompositeOperation = "destination-over";
    }
    out.drawImage(small, 0, 0, width, height);
    return sample ? this.#sample : null;
  }
}
