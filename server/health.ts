/**
 * Readiness (`/readyz`): whether this instance can take calls now. A load balancer sends new
 * connections only to ready instances; liveness (`/healthz`) only says the process answers.
 *
 * @module
 */
import type { Signaling } from "./signaling.ts";

/** Why `signaling` cannot take calls now, or null when it can. */
export function notReady(signaling: Pick<Signaling, "draining" | "store">): string | null {
  if (signaling.draining()) return "shutting down";
  return signaling.store.problem();
}
