/**
 * The current connection's stats, read once a second while a connection is followed: the last
 * minute of {@linkcode StatsSample}s for the quality indicator and the details panel, and the
 * verification code once DTLS is done. One reader for all of them, so `getStats()` runs once a
 * second however many views show it.
 *
 * @module
 */
import type { PeerChannels } from "../../machines/peer_types.ts";
import { sample, type StatsSample } from "./stats_sample.ts";
import {
  type StatsEntry,
  verificationBasis,
  verificationCode,
  words,
} from "../verification/verification.ts";

/** How often the connection's stats are read. */
export const STATS_INTERVAL_MS = 1000;

/** How many samples are kept: a minute. */
const HISTORY = 60;

/** What a view that shows the connection reads; it changes once a second. */
export interface StatsFeed {
  /** The last minute of samples, oldest first (the newest is the current second). */
  readonly history: readonly StatsSample[];
  /** The verification code of the current connection, once DTLS is done. */
  readonly code: string | null;
  /** Why the current connection cannot be verified (then there is no code), or null. */
  readonly unverifiable: string | null;
  /**
   * Calls `listener` after every new sample (given) or code, and when the connection followed
   * changes (`null`: everything was forgotten); returns a stop.
   */
  subscribe(listener: (sample?: StatsSample | null) => void): () => void;
}

/** The feed, and what the page tells it. */
export interface StatsReader extends StatsFeed {
  /** Reads the stats of `channels`' connection from now on (null: none; forgets the old one). */
  follow(channels: PeerChannels | null): void;
  /** Stops reading for good. */
  stop(): void;
}

/** A feed that reads the followed connection's stats every second while there is one. */
export function statsReader(): StatsReader {
  // The code's word list is fetched now, while the page is surely on the server: the first code
  // may be derived when the network has just gone (a failure there is retried on the next read).
  words().catch(() => {});
  const listeners = new Set<(sample?: StatsSample | null) => void>();
  const history: StatsSample[] = [];
  let code: string | null = null;
  let unverifiable: string | null = null;
  let basisKey = "null";
  let channels: PeerChannels | null = null;
  let previous: StatsEntry[] | null = null;
  let reading = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const changed = (sample?: StatsSample | null) => {
    for (const listener of listeners) listener(sample);
  };

  const read = async () => {
    const stats = channels?.stats;
    if (!stats || reading) return;
    reading = true;
    try {
      const report = await stats() as RTCStatsReport;
      const entries = [...report.values()] as StatsEntry[];
      if (stats !== channels?.stats) return;
      const next = previous ? sample(previous, entries) : undefined;
      if (next) history.push(next);
      if (history.length > HISTORY) history.shift();
      previous = entries;
      // Looked at every second (a renegotiation may name other certificates); the code, which
      // costs tens of milliseconds, only derived again when what it comes from changes.
      const basis = verificationBasis(entries, channels?.sdp?.());
      const key = JSON.stringify(basis);
      if (key !== basisKey) {
        const derived = basis && "fingerprints" in basis
          ? await verificationCode(basis.fingerprints)
          : null;
        basisKey = key;
        if (stats === channels?.stats) {
          code = derived;
          unverifiable = basis && "unverifiable" in basis ? basis.unverifiable : null;
        }
      }
      changed(next);
    } catch {
      // The connection closed between two reads: the next one will tell.
    } finally {
      reading = false;
    }
  };

  return {
    get history() {
      return history;
    },
    get code() {
      return code;
    },
    get unverifiable() {
      return unverifiable;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    follow(next) {
      if (next === channels) return;
      channels = next;
      previous = null;
      code = null;
      unverifiable = null;
      basisKey = "null";
      history.length = 0;
      clearInterval(timer);
      timer = next ? setInterval(read, STATS_INTERVAL_MS) : undefined;
      changed(null);
    },
    stop() {
      clearInterval(timer);
      channels = null;
      listeners.clear();
    },
  };
}
