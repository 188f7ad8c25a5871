/**
 * The display name a person goes by: what the pre-join screen lets them type, and what presence
 * sends and accepts (`presence.ts`).
 *
 * @module
 */

/** The longest display name sent or accepted. */
export const MAX_NAME_LENGTH = 40;
