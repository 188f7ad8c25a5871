/**
 * Noise suppression and background blur as a visit starts: each as the person left it in this
 * browser (noise suppression on unless they turned it off, blur off unless they turned it on),
 * or why this browser cannot run it, told without loading either (support.ts).
 *
 * @module
 */
import type { Effect, EffectUnavailable } from "../../machines/processing_machine.ts";
import { effectsUnavailable } from "./support.ts";

const KEY = "parley.effects";

/** The switches as the person left them, `{ noise: "on", blur: "off" }` by default. */
export function startingEffects(): Record<Effect, "on" | "off" | EffectUnavailable> {
  let stored: Partial<Record<Effect, string>> = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? "{}") ?? {};
  } catch {
    // Storage is off (private mode, policies), or holds something else: the defaults.
  }
  const unavailable = effectsUnavailable();
  return {
    noise: unavailable.noise ?? (stored.noise === "off" ? "off" : "on"),
    blur: unavailable.blur ?? (stored.blur === "on" ? "on" : "off"),
  };
}

/** Remembers `effect`'s switch. */
export function rememberEffect(effect: Effect, on: boolean): void {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? "{}") ?? {};
    localStorage.setItem(KEY, JSON.stringify({ ...stored, [effect]: on ? "on" : "off" }));
  } catch {
    // Not remembered; it still holds for this call.
  }
}
