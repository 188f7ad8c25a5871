/**
 * The call's controls step aside while nobody uses them: after {@linkcode IDLE_MS} without a
 * pointer moving, a touch or a key, `data-idle` goes on the call's root (static/call.css fades
 * the bar and the pills then), and any movement, tap, key or focus brings them back at once.
 * Never while a menu or a panel is open, focus is inside the controls, or `canFade` says no.
 *
 * @module
 */
import { listen } from "../ui/dom.ts";

/** How long without use before the controls fade. */
export const IDLE_MS = 4000;

/** Fades `root`'s controls when idle; returns what stops it. */
export function fadeWhenIdle(root: HTMLElement, canFade: () => boolean): {
  /** Something changed (a menu closed, the call connected): count from now. */
  poke(): void;
  destroy(): void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fade = () => {
    const focus = document.activeElement;
    const busy = [...root.querySelectorAll(".bar, .side, .menu")].some((e) => e.contains(focus));
    if (canFade() && !busy) root.dataset.idle = "true";
    else poke();
  };
  const poke = () => {
    if (root.dataset.idle) delete root.dataset.idle;
    clearTimeout(timer);
    timer = setTimeout(fade, IDLE_MS);
  };
  const stops = (["pointermove", "pointerdown", "keydown", "focusin", "wheel"] as const).map((
    type,
  ) => listen(document, type, poke, { passive: true, capture: true }));
  poke();
  return {
    poke,
    destroy() {
      clearTimeout(timer);
      for (const stop of stops) stop();
    },
  };
}
