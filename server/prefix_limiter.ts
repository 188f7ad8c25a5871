/**
 * A per-address rate limit whose table no one network can fill. Each address counts by its key
 * (IPv4 as is, IPv6 by /64); keys are grouped by network (an IPv6 /48; an IPv4 address is its own
 * group). A group holds at most {@linkcode PrefixLimiterOptions.perGroup} keys: past that, the
 * rest of its network shares one allowance, so rotating through a /56's 256 /64s, or a /48's
 * 65,536, gains nothing. When the whole table is full, expired windows go first, then the oldest
 * key of the largest group: a crowded network loses its own entries, never a newcomer its turn.
 *
 * @module
 */
import { addressKey, prefixKey } from "./rate_limit.ts";

/** Options for {@linkcode PrefixLimiter}. */
export interface PrefixLimiterOptions {
  /** Hits allowed per key in each window. */
  limit: number;
  windowMs: number;
  /** Keys one group (IPv6 /48) may hold before the rest of it shares one allowance. */
  perGroup: number;
  /** Keys held at most. */
  maxKeys: number;
  now?: () => number;
}

interface Window {
  start: number;
  count: number;
  group: string;
}

/** Fixed windows per address key, bounded per network and in total. */
export class PrefixLimiter {
  #windows = new Map<string, Window>();
  #groups = new Map<string, Set<string>>();
  #options: Required<PrefixLimiterOptions>;

  constructor(options: PrefixLimiterOptions) {
    this.#options = { now: Date.now, ...options };
  }

  /** Counts a hit from `address`; whether it is within the limit. */
  allow(address: string): boolean {
    const at = this.#options.now();
    const group = addressKey(address).includes(":") ? prefixKey(address, 48) : addressKey(address);
    let key = addressKey(address);
    if (!this.#windows.has(key) && this.#full(group, at)) key = `${group} (shared)`;
    const members = this.#groups.get(group);
    let window = this.#windows.get(key);
    if (window && at - window.start >= this.#options.windowMs) {
      window.start = at;
      window.count = 0;
    }
    if (!window) {
      if (this.#windows.size >= this.#options.maxKeys) this.#evict(at);
      window = { start: at, count: 0, group };
      this.#windows.set(key, window);
      this.#groups.set(group, (members ?? new Set()).add(key));
    }
    window.count += 1;
    return window.count <= this.#options.limit;
  }

  /** Keys held now. */
  get size(): number {
    return this.#windows.size;
  }

  /** Whether `group` holds its share of keys, once its expired ones are gone. */
  #full(group: string, at: number): boolean {
    const members = this.#groups.get(group);
    if (!members || members.size < this.#options.perGroup) return false;
    for (const key of members) {
      if (at - this.#windows.get(key)!.start >= this.#options.windowMs) this.#forget(key, group);
    }
    return (this.#groups.get(group)?.size ?? 0) >= this.#options.perGroup;
  }

  #evict(at: number): void {
    for (const [key, window] of this.#windows) {
      if (at - window.start >= this.#options.windowMs) this.#forget(key, window.group);
    }
    if (this.#windows.size < this.#options.maxKeys) return;
    let largest: Set<string> | null = null;
    let largestGroup = "";
    for (const [group, members] of this.#groups) {
      if (!largest || members.size > largest.size) [largest, largestGroup] = [members, group];
    }
    // A Set keeps insertion order: its first key is the group's oldest.
    const oldest = largest?.values().next().value;
    if (oldest !== undefined) this.#forget(oldest, largestGroup);
  }

  #forget(key: string, group: string): void {
    this.#windows.delete(key);
    const members = this.#groups.get(group);
    members?.delete(key);
    if (members?.size === 0) this.#groups.delete(group);
  }
}
