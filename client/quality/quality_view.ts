/**
 * Shows the quality indicator's verdict (`quality.ts`) in `container`: one line per problem,
 * warnings first, and nothing at all while the call is fine.
 *
 * @module
 */
import { initialQuality, nextQuality, type QualityState, verdict } from "./quality.ts";
import type { StatsSample } from "./stats_sample.ts";

/** The indicator mounted on the page. */
export interface QualityView {
  /** One more second of the call. */
  update(sample: StatsSample): void;
  /** Forgets everything (a new connection, or the call is over). */
  clear(): void;
}

/** Mounts the indicator into `container` (empty and hidden until something is wrong). */
export function mountQualityView(container: HTMLElement): QualityView {
  container.setAttribute("role", "status");
  container.setAttribute("aria-live", "polite");
  container.hidden = true;
  let state: QualityState = initialQuality();
  let shown = "";
  const render = () => {
    const problems = verdict(state);
    const key = problems.map((problem) => problem.id).join();
    if (key === shown) return;
    shown = key;
    container.hidden = problems.length === 0;
    container.replaceChildren(...problems.map((problem) => {
      const line = document.createElement("p");
      line.className = `problem ${problem.severity}`;
      line.dataset.problem = problem.id;
      line.textContent = problem.text;
      return line;
    }));
  };
  return {
    update(sample) {
      state = nextQuality(state, sample);
      render();
    },
    clear() {
      state = initialQuality();
      render();
    },
  };
}
