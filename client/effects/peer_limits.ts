/**
 * What the other person may make this tab do, enforced here on the receiving side (their page
 * may be anything: a hostile peer speaks the data-channel protocol directly). Every limit is per
 * data channel, so per remote person: one flooding peer uses up its own allowance only.
 *
 * Rates are token buckets: `burst` at once, then `perSecond` on average. Frames over a rate are
 * dropped before they are parsed, so a flood costs a counter per frame and never a long task.
 * The figures are far above what a person does (typing, clicking Send) and far below what makes
 * the page work hard; docs/security.md lists them.
 *
 * @module
 */

/** A rate: `burst` at once, then `perSecond` on average. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** The limits on what one peer sends. */
export const PEER_LIMITS = {
  /** Every frame on the `control` channel (chat, presence), before it is read. */
  messages: { perSecond: 50, burst: 100 },
  /** Chat messages shown (the rest are counted and said to be left out). */
  chat: { perSecond: 2, burst: 20 },
  /** Text frames on the `files` channel (offers, answers, ends), before they are read. */
  fileFrames: { perSecond: 20, burst: 60 },
  /** File offers taken (one more is dropped unanswered). */
  offers: { perSecond: 2, burst: 10 },
  /** Offers waiting for the person's Accept or Decline; one more is declined as "busy". */
  pendingOffers: 3,
} as const;

/** The most messages the chat keeps (the oldest go first). */
export const MAX_CHAT_MESSAGES = 200;
/** The most file cards the chat keeps (finished ones go first, oldest first). */
export const MAX_TRANSFERS = 50;

/** A token bucket: `take()` says whether one more is allowed now. */
export interface RateLimiter {
  take(): boolean;
}

/** A full bucket for `rate`; `now` in milliseconds (tests pass their own clock). */
export function rateLimiter(rate: Rate, now: () => number = () => performance.now()): RateLimiter {
  let tokens = rate.burst;
  let updated = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(rate.burst, tokens + ((at - updated) / 1000) * rate.perSecond);
      updated = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
