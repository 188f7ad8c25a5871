/**
 * The call's stage: the other people's tiles (a list rendered from data), your own tile (in a
 * corner in a call of two, a tile of the grid in a group: never over someone's picture), the
 * card while you are alone, one status pill at the top, and the presenter's banner; in a group, a
 * live region that says what changes on the tiles' connections (`tile_announcements.ts`). A screen
 * shared in a group takes the stage, with the people as a strip beside it (below, on a phone).
 *
 * @module
 */
import { h, text } from "../ui/dom.ts";
import { shareBanner } from "../screen_share/share_banner.ts";
import { inviteCard } from "./invite_card.ts";
import type { Pill } from "./pills.ts";
import type { PageHost } from "./screen.ts";
import { remoteTile, type TileView } from "./remote_tile.ts";
import { type SelfMark, selfTile } from "./self_tile.ts";
import type { StageView } from "./stage_view.ts";
import { type Said, tileAnnouncement } from "./tile_announcements.ts";

/** What the stage shows for one render. */
export interface StageInput {
  words: StageView;
  pill: Pill | null;
  stream: MediaStream | null;
  /** Each person's picture, by their tile's id. */
  streams: ReadonlyMap<string, MediaStream | null>;
  cameraOn: boolean;
  sharing: boolean;
  fit: "fit" | "fill";
  /** Whose picture is paused by the network (a thumbnail keeps the path warm): not shown. */
  paused: ReadonlySet<string>;
  /** What your own tile's name tag adds for the effects that run (`effectMarks`). */
  selfMarks: readonly SelfMark[];
}

/** The stage on the page. */
export interface Stage {
  element: HTMLElement;
  self: ReturnType<typeof selfTile>;
  invite: ReturnType<typeof inviteCard>;
  /** The first remote tile's video (the other person's picture, in a call of two), if any. */
  remoteVideo(): HTMLVideoElement | null;
  update(input: StageInput): void;
  destroy(): void;
}

/** The stage of the page `host`; `onChange` re-renders. */
export function stage(host: PageHost, onChange: () => void): Stage {
  const tiles = h("div", { className: "tiles" });
  const self = selfTile(onChange);
  const invite = inviteCard(host.link);
  const pillText = h("span");
  const pill = h("div", { id: "quality", className: "pill", hidden: true }, pillText);
  const pills = h("div", { className: "pills", role: "status" }, pill);
  // In a group, what changes on the tiles' connections, said once per change (not by each tile).
  const spoken = h("p", { className: "sr-only", role: "status", "aria-atomic": "true" });
  let said: Said = new Map();
  const banner = shareBanner(() => host.send({ type: "user.stopSharing" }));
  const element = h(
    "section",
    { className: "stage", "aria-label": "Call" },
    tiles,
    self.element,
    invite.element,
    h("div", { className: "stage-top" }, banner.element, pills),
    spoken,
  );
  const views = new Map<string, TileView>();

  return {
    element,
    self,
    invite,
    remoteVideo: () => views.values().next().value?.video ?? null,
    update(
      { words, pill: shown, stream, streams, cameraOn, sharing, fit, paused, selfMarks },
    ) {
      // The tiles, by id: one per person in the call besides you.
      for (const [id, view] of views) {
        if (words.tiles.some((t) => t.id === id)) continue;
        view.destroy();
        view.element.remove();
        views.delete(id);
      }
      // In a group, the first screen shared takes the stage and the people a strip beside it.
      const presenter = words.tiles.length >= 2
        ? words.tiles.find((tile) => tile.presenting)?.id
        : undefined;
      words.tiles.forEach((tile, i) => {
        let view = views.get(tile.id);
        if (!view) {
          view = remoteTile(i === 0, host.audio.readLevel);
          views.set(tile.id, view);
          tiles.append(view.element);
        }
        view.update(tile, streams.get(tile.id) ?? null, fit);
        view.element.dataset.videoPaused = String(paused.has(tile.id));
        view.element.dataset.presenting = String(tile.id === presenter);
      });
      // In a group you are a tile of the grid, the last one; in a call of two, in a corner.
      const inGrid = words.tiles.length >= 2 && !self.hidden();
      if (inGrid && tiles.lastElementChild !== self.element) tiles.append(self.element);
      if (!inGrid && self.element.parentElement !== element) tiles.after(self.element);
      tiles.dataset.count = String(words.tiles.length + (inGrid ? 1 : 0));
      tiles.dataset.presenting = String(presenter !== undefined);
      const alone = words.tiles.length === 0;
      self.update({
        stream,
        cameraOn,
        large: alone,
        grid: inGrid ? { fit } : null,
        marks: selfMarks,
      });
      const news = tileAnnouncement(said, words.tiles);
      said = news.said;
      if (news.text) text(spoken, news.text);
      invite.update(words.card);
      banner.update(sharing);
      pill.hidden = shown === null;
      pill.dataset.tone = shown?.tone ?? "";
      pill.dataset.pill = shown?.id ?? "";
      text(pillText, shown?.text ?? "");
    },
    destroy() {
      for (const view of views.values()) view.destroy();
      self.destroy();
      invite.destroy();
    },
  };
}
