/**
 * Token buckets: how often a connection or an address may do something.
 *
 * A bucket holds up to `perMinute` tokens and refills at `perMinute` tokens a minute, so a burst of
 * a whole minute's allowance is fine and a steady stream above it is not. Time comes from an
 * injectable clock, so tests run on simulated time.
 *
 * @module
 */
import { format, parseAddress } from "./client_address.ts";

/** Where the buckets' time comes from (milliseconds). */
export interface NowClock {
  now(): number;
}

const SYSTEM_NOW: NowClock = { now: () => Date.now() };

/** One token bucket. */
export class TokenBucket {
  #capacity: number;
  #perMs: number;
  #tokens: number;
  #updated: number;
  #clock: NowClock;

  /** A full bucket of `perMinute` tokens refilling at `perMinute` a minute; 0 means unlimited. */
  constructor(perMinute: number, clock: NowClock = SYSTEM_NOW) {
    this.#capacity = perMinute;
    this.#perMs = perMinute / 60_000;
    this.#tokens = perMinute;
    this.#clock = clock;
    this.#updated = clock.now();
  }

  /** Takes `cost` tokens if the bucket has them; false (and nothing taken) when it has not. */
  take(cost = 1): boolean {
    if (this.#capacity === 0) return true;
    this.#refill();
    if (this.#tokens < cost) return false;
    this.#tokens -= cost;
    return true;
  }

  /** Milliseconds until `cost` tokens will be there (0 when they are now). */
  waitMs(cost = 1): number {
    if (this.#capacity === 0) return 0;
    this.#refill();
    if (this.#tokens >= cost) return 0;
    return Math.ceil((Math.min(cost, this.#capacity) - this.#tokens) / this.#perMs);
  }

  /** Whether the bucket is back to full (so forgetting it changes nothing). */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.#capacity;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#updated) * this.#perMs);
    this.#updated = now;
  }
}

/** Options for {@linkcode KeyedBuckets}. */
export interface KeyedBucketsOptions {
  /** Allowance per key, per minute; 0 means unlimited. */
  perMinute: number;
  clock?: NowClock;
  /** Most keys remembered at once (default 100,000); full buckets are forgotten first. */
  maxKeys?: number;
}

/**
 * One bucket per key (an address), bounded in memory: a key whose bucket refilled is forgotten,
 * which changes nothing, and past `maxKeys` the oldest keys go (they get a fresh allowance).
 */
export class KeyedBuckets {
  #buckets = new Map<string, TokenBucket>();
  #options: Required<KeyedBucketsOptions>;

  constructor(options: KeyedBucketsOptions) {
    this.#options = { clock: SYSTEM_NOW, maxKeys: 100_000, ...options };
  }

  /** Takes `cost` tokens from `key`'s bucket; false when it has too few. */
  take(key: string, cost = 1): boolean {
    if (this.#options.perMinute === 0) return true;
    return this.#bucket(key).take(cost);
  }

  /** Milliseconds until `key` may do it again. */
  waitMs(key: string, cost = 1): number {
    return this.#buckets.get(key)?.waitMs(cost) ?? 0;
  }

  /** Keys remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  #bucket(key: string): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket) return bucket;
    if (this.#buckets.size >= this.#options.maxKeys) this.#prune();
    bucket = new TokenBucket(this.#options.perMinute, this.#options.clock);
    this.#buckets.set(key, bucket);
    return bucket;
  }

  #prune(): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.full) this.#buckets.delete(key);
    }
    // Still too many: the oldest go. Forgetting is lenient (a fresh allowance), never stricter.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size < this.#options.maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}

/**
 * The address a limit counts against: IPv4 as is, IPv6 by its /64 (one home or host usually gets
 * a whole /64, so counting single IPv6 addresses would let one client be thousands). What is not
 * an address at all counts as itself.
 */
export function addressKey(address: string | undefined): string {
  return prefixKey(address, 64);
}

/**
 * The IPv6 prefix of `bits` that `address` lies in (`2001:db8:0:ab00::/56`); IPv4 as is. Tables
 * that must not be filled from one network (a home is given a /56, a site a /48) group by it.
 */
export function prefixKey(address: string | undefined, bits: 48 | 56 | 64): string {
  if (!address) return "unknown";
  const bytes = parseAddress(address);
  if (!bytes) return address.slice(0, 64);
  const v4 = format(bytes);
  if (!v4.includes(":")) return v4;
  const prefix = new Uint8Array(16);
  prefix.set(bytes.subarray(0, bits / 8));
  return `${format(prefix)}/${bits}`;
}
