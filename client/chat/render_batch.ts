/**
 * Redraws in batches: however many changes ask for a render, it runs at most once per interval.
 * The first change after a quiet spell is drawn in the next task (no delay anyone would see); a
 * flood of changes is drawn a few times a second, each draw taking what arrived since the last.
 * Timers, not animation frames, so a tab in the background still catches up (once a second).
 *
 * @module
 */

/** The quickest a batch follows the one before, in milliseconds. */
export const BATCH_MS = 100;

/** A `schedule()` that runs `render` soon, at most once per `everyMs`. */
export function renderBatch(render: () => void, everyMs = BATCH_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  return () => {
    if (timer !== undefined) return;
    const wait = Math.max(0, last + everyMs - performance.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = performance.now();
      render();
    }, wait);
  };
}
