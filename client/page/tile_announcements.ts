/**
 * What a screen reader is told of the connections in a group call: one polite announcement per
 * change, naming whose connection it is ("Ben: Weak connection.", "Reconnecting to Cy…", "The
 * connection with Ben is fine again."), never each tile speaking for itself, nor the same news
 * twice. A call of two says it with its pills (their region speaks).
 *
 * Pure: the stage keeps what was said and puts the text in its live region.
 *
 * @module
 */
import { isolate } from "../text/safe_text.ts";
import type { RemoteTile } from "./stage_view.ts";

/** What each tile said last, by its id. */
export type Said = ReadonlyMap<string, string>;

/** What changed since `before` for `tiles`, in one announcement (null: nothing new to say). */
export function tileAnnouncement(
  before: Said,
  tiles: readonly RemoteTile[],
): { said: Said; text: string | null } {
  const said = new Map<string, string>();
  const changes: string[] = [];
  if (tiles.length < 2) return { said, text: null };
  for (const tile of tiles) {
    const was = before.get(tile.id);
    if (tile.spoken) {
      said.set(tile.id, tile.spoken);
      if (tile.spoken !== was) changes.push(tile.spoken);
    } else if (was && tile.status === null) {
      // Up and well again (a tile still connecting says nothing yet: it is kept for later).
      changes.push(`The connection with ${isolate(tile.name)} is fine again.`);
    } else if (was) said.set(tile.id, was);
  }
  return { said, text: changes.length > 0 ? changes.join(" ") : null };
}
