/**
 * Your own picture during the call: in a call of two, a small mirrored tile in a corner of the
 * stage, dragged to another corner with a pointer (it snaps to the nearest), or hidden; in a
 * group, a tile of the grid like everyone else's (the stage puts it there); alone in the room it
 * fills the stage. Its name tag says what runs on your picture and sound: a small icon each, read out
 * as words ("You · noise reduced · blurred"), which the tag shows on hover too.
 *
 * @module
 */
import { EyeOff, type IconNode } from "lucide";
import { h, listen } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";

/** Something that runs on your picture or sound, as your name tag says it. */
export interface SelfMark {
  word: string;
  icon: IconNode;
}

/** The tile on the page. */
export interface SelfTile {
  element: HTMLElement;
  update(
    state: {
      stream: MediaStream | null;
      cameraOn: boolean;
      large: boolean;
      /** A tile of the group's grid rather than a corner's (`fit`: as the others' pictures). */
      grid?: { fit: "fit" | "fill" } | null;
      marks: readonly SelfMark[];
    },
  ): void;
  hidden(): boolean;
  toggleHidden(): void;
  destroy(): void;
}

const CORNERS = ["bottom-right", "bottom-left", "top-left", "top-right"] as const;

/** Your tile; `onChange` runs when it is hidden or shown. */
export function selfTile(onChange: () => void): SelfTile {
  const video = h("video", {
    id: "local-video",
    className: "mirror",
    autoplay: true,
    playsInline: true,
    muted: true,
    "aria-label": "Your camera",
  });
  const off = h(
    "div",
    { className: "placeholder", hidden: true },
    h("p", null, "Your camera is off"),
  );
  const hide = h("button", {
    type: "button",
    className: "icon-button tile-hide",
    "aria-label": "Hide my picture",
    "data-tip": "Hide my picture",
  }, icon(EyeOff));
  const caption = h("figcaption", { className: "name-tag" }, "You");
  const element = h(
    "figure",
    { className: "tile self", "data-corner": CORNERS[0] },
    video,
    off,
    caption,
    hide,
  );
  let isHidden = false;
  let said = "";
  const tile: SelfTile = {
    element,
    update({ stream, cameraOn, large, grid = null, marks }) {
      const says = ["You", ...marks.map((mark) => mark.word)].join(" · ");
      if (says !== said) {
        said = says;
        // The words for screen readers (and the tests), the icons for the eye: a small tile has
        // no room for "noise reduced".
        caption.replaceChildren(
          "You",
          ...marks.flatMap((
            mark,
          ) => [h("span", { className: "sr-only" }, ` · ${mark.word}`), icon(mark.icon)]),
        );
        caption.title = marks.length ? says : "";
      }
      if (video.srcObject !== stream) video.srcObject = stream;
      const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;
      video.hidden = !hasVideo;
      off.hidden = hasVideo && cameraOn;
      element.dataset.large = String(large);
      element.dataset.inGrid = String(grid !== null);
      if (grid) element.dataset.fit = grid.fit;
      else delete element.dataset.fit;
      element.hidden = isHidden && !large;
    },
    hidden: () => isHidden,
    toggleHidden() {
      isHidden = !isHidden;
      element.hidden = isHidden && element.dataset.large !== "true";
      onChange();
    },
    destroy() {
      stopDrag();
      video.srcObject = null;
    },
  };
  hide.onclick = () => tile.toggleHidden();

  // Dragged by a pointer, it goes to the corner nearest to where it was let go.
  let dragging: { x: number; y: number; id: number } | null = null;
  element.onpointerdown = (event) => {
    if (element.dataset.large === "true" || element.dataset.inGrid === "true") return;
    if ((event.target as Element).closest("button")) return;
    dragging = { x: event.clientX, y: event.clientY, id: event.pointerId };
    element.setPointerCapture(event.pointerId);
  };
  element.onpointermove = (event) => {
    if (!dragging || event.pointerId !== dragging.id) return;
    element.style.translate = `${event.clientX - dragging.x}px ${event.clientY - dragging.y}px`;
  };
  const drop = (event: PointerEvent) => {
    if (!dragging || event.pointerId !== dragging.id) return;
    dragging = null;
    element.style.translate = "";
    const stage = element.parentElement!.getBoundingClientRect();
    const right = event.clientX > stage.left + stage.width / 2;
    const bottom = event.clientY > stage.top + stage.height / 2;
    element.dataset.corner = `${bottom ? "bottom" : "top"}-${right ? "right" : "left"}`;
  };
  element.onpointerup = drop;
  element.onpointercancel = drop;
  const stopDrag = listen(globalThis as unknown as Window, "blur", () => {
    dragging = null;
    element.style.translate = "";
  });
  return tile;
}
