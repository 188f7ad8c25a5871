/**
 * Where noise suppression and background blur each are, as the call machine keeps it (its
 * `effects`) and the page shows it (the switches). Pure: the machines, the room page's bundle and
 * the call's each use it.
 *
 * @module
 */
import type { EffectUnavailable } from "./processing_machine.ts";

/**
 * Where an effect is: switched off; on (starting, or waiting for the call); running (its track is
 * sent); failed to start (off, until switched again); or unavailable in this browser, and why.
 */
export type EffectStatus = "off" | "on" | "running" | "failed" | EffectUnavailable;

/** Whether an effect with `status` is switched on. */
export function effectOn(status: EffectStatus): boolean {
  return status === "on" || status === "running";
}

/** Why an effect with `status` cannot run in this browser (null: it can). */
export function effectUnavailable(status: EffectStatus): EffectUnavailable | null {
  return status.startsWith("no-") ? status as EffectUnavailable : null;
}
