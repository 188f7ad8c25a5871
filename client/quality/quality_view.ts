/**
 * Shows the quality indicator in `container`: first what Parley did to each side's picture
 * (`sending_view.ts`: paused, lowered, coming back), then the verdict on the call (`quality.ts`),
 * one line each, warnings first, and nothing at all while the call is fine. A picture said to be
 * paused is not also said to be frozen.
 *
 * @module
 */
import { initialQuality, nextQuality, type QualityState, verdict } from "./quality.ts";
import type { SendingLine } from "../adaptation/sending_view.ts";
import type { StatsSample } from "./stats_sample.ts";

/** The indicator mounted on the page. */
export interface QualityView {
  /** One more second of the call. */
  update(sample: StatsSample): void;
  /** What Parley does to each side's picture now. */
  setSending(lines: SendingLine[]): void;
  /** Forgets everything (a new connection, or the call is over). */
  clear(): void;
}

/** Mounts the indicator into `container` (empty and hidden until something is wrong). */
export function mountQualityView(container: HTMLElement): QualityView {
  container.setAttribute("role", "status");
  container.setAttribute("aria-live", "polite");
  container.hidden = true;
  let state: QualityState = initialQuality();
  let sending: SendingLine[] = [];
  let shown = "";
  const render = () => {
    const paused = sending.some((line) => line.id === "theirVideoPaused");
    const problems = [
      ...sending,
      ...verdict(state).filter((problem) => !(paused && problem.id === "frozen")),
    ];
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
    setSending(lines) {
      sending = lines;
      render();
    },
    clear() {
      state = initialQuality();
      render();
    },
  };
}
