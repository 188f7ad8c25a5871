/**
 * How often the background blur segments the picture. The camera's every frame is blurred, with
 * the newest mask; the mask itself is made at most {@linkcode MAX_SEGMENTATIONS_PER_SECOND} times
 * a second and, on a slow machine, less often, so that segmenting takes at most
 * {@linkcode SEGMENTATION_SHARE} of the time and the frames keep their rate.
 *
 * Pure: the pipeline (blur_pipeline.ts) uses it, and `deno test` checks it.
 *
 * @module
 */

/**
 * A person moves little in a tenth of a second: the frames between two masks are cut out by the
 * last one (as Meet does), at a third of the camera's rate or less.
 */
export const MAX_SEGMENTATIONS_PER_SECOND = 10;

/**
 * The share of one core's time segmentation may take (it runs on the page's thread, while the
 * frames are drawn in the worker and encoded: on two cores, more would cost frames).
 */
export const SEGMENTATION_SHARE = 1 / 5;

/** How much the newest duration counts in the running estimate (the rest: those before it). */
const WEIGHT = 0.25;

/** Segmentation's pace, from how long it has been taking. */
export class SegmentationPace {
  #estimateMs: number | null = null;

  /** Notes that a segmentation took `ms`. */
  record(ms: number): void {
    this.#estimateMs = this.#estimateMs === null
      ? ms
      : this.#estimateMs + WEIGHT * (ms - this.#estimateMs);
  }

  /** How long segmentation takes these days, in ms (null before the first). */
  get estimateMs(): number | null {
    return this.#estimateMs;
  }

  /** How long to wait after one segmentation ends before the next may start, in ms. */
  pauseMs(): number {
    const took = this.#estimateMs ?? 0;
    return Math.max(
      1000 / MAX_SEGMENTATIONS_PER_SECOND - took,
      took * (1 / SEGMENTATION_SHARE - 1),
    );
  }
}

/** The sizes the blurred picture may be drawn at, as a fraction of the camera's. */
export const OUTPUT_SCALES = [1, 0.75, 0.5, 0.375, 0.25] as const;

/** Drawing frames may take at most this share of the time... */
export const DRAW_SHARE = 1 / 3;
/** ...and a larger size is tried again once, for a while, it takes less than this share. */
export const DRAW_SHARE_LOW = 1 / 10;
/** How long each judgement looks back, in ms. */
export const JUDGE_MS = 1000;
/** Judgements in a row with time to spare before a larger size is tried. */
const CALM_JUDGEMENTS = 5;

/**
 * The size the blurred picture is drawn at. Each frame is drawn in full, so what a slow machine
 * cannot afford is pixels, not frames: when drawing has taken more than {@linkcode DRAW_SHARE} of
 * the last second the picture gets smaller (the frame rate stays), and larger again after five
 * seconds in a row of taking less than {@linkcode DRAW_SHARE_LOW}. It starts at half size, so that
 * its first second costs a slow machine little.
 */
export class OutputScale {
  /** Half size first: the first second must not stall a slow machine; a fast one grows. */
  #step: number = OUTPUT_SCALES.indexOf(0.5);
  #since: number | null = null;
  #busyMs = 0;
  #calm = 0;

  /** The fraction of the camera's size to draw at now. */
  get scale(): number {
    return OUTPUT_SCALES[this.#step];
  }

  /** Notes that a frame took `drawMs` to draw, finishing at `now` (ms, any steady clock). */
  record(drawMs: number, now: number): void {
    this.#since ??= now - drawMs;
    this.#busyMs += drawMs;
    const elapsed = now - this.#since;
    if (elapsed < JUDGE_MS) return;
    const share = this.#busyMs / elapsed;
    this.#since = now;
    this.#busyMs = 0;
    const last = OUTPUT_SCALES.length - 1;
    if (share > DRAW_SHARE) {
      this.#calm = 0;
      // Pixels go with the square of the scale: as many steps down as the share says, at once.
      const from = OUTPUT_SCALES[this.#step];
      while (this.#step < last) {
        this.#step++;
        if (share * (OUTPUT_SCALES[this.#step] / from) ** 2 <= DRAW_SHARE) break;
      }
    } else if (share < DRAW_SHARE_LOW && this.#step > 0) {
      if (++this.#calm >= CALM_JUDGEMENTS) {
        this.#step--;
        this.#calm = 0;
      }
    } else this.#calm = 0;
  }
}
