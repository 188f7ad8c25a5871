/**
 * Fresh TURN credentials for calls in progress: each seated member of a room that gets TURN is
 * sent new ICE servers two minutes before its credential expires (or at half its lifetime, when
 * that is shorter), and again before those expire, for as long as it stays seated.
 *
 * @module
 */
import type { Config } from "./config.ts";

/** The timers of one server's renewals, by socket id. */
export class TurnRenewals {
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #ttlMs: number | null;

  constructor(turn: Config["turn"]) {
    this.#ttlMs = turn ? turn.ttlSeconds * 1000 : null;
  }

  /**
   * Calls `renew` before `id`'s credential expires, then again before each fresh one does, while
   * `stillSeated` says so.
   */
  schedule(id: string, renew: () => void, stillSeated: () => boolean): void {
    if (this.#ttlMs === null) return;
    const ttlMs = this.#ttlMs;
    this.stop(id);
    this.#timers.set(
      id,
      setTimeout(() => {
        this.#timers.delete(id);
        if (!stillSeated()) return;
        renew();
        this.schedule(id, renew, stillSeated);
      }, Math.max(ttlMs - 120_000, ttlMs / 2)),
    );
  }

  /** Stops `id`'s renewals (it left, or its connection closed). */
  stop(id: string): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
  }

  /** Stops them all (server shutdown). */
  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
