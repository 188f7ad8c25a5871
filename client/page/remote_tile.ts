/**
 * One remote person's tile on the stage: their picture (fitted whole, or filling the tile on an
 * upright phone, never cropped while they present), a placeholder with their initial while their
 * camera is off, their name and a muted badge in its corner, "… is presenting" while they share a
 * screen, a ring while they speak, and in a group how the connection with them goes ("Weak
 * connection", beside their name).
 *
 * @module
 */
import { MicOff, MonitorUp, TriangleAlert } from "lucide";
import { useSpeaker } from "../devices/speaker.ts";
import { attr, h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import type { PageHost } from "./screen.ts";
import type { RemoteTile } from "./stage_view.ts";

/** A tile on the page. */
export interface TileView {
  element: HTMLElement;
  video: HTMLVideoElement;
  update(tile: RemoteTile, stream: MediaStream | null, fit: "fit" | "fill"): void;
  destroy(): void;
}

/** How loud counts as speaking, and how long the ring holds after a word. */
const SPEAKING_LEVEL = 0.1;
const SPEAKING_HOLD_MS = 500;

/** A tile (the first one's video is `#remote-video`); `readLevel` hears how loud they are. */
export function remoteTile(first: boolean, readLevel: PageHost["audio"]["readLevel"]): TileView {
  const video = h("video", {
    id: first ? "remote-video" : undefined,
    autoplay: true,
    playsInline: true,
  });
  void useSpeaker(video);
  const initial = h("span", { className: "avatar", "aria-hidden": "true" });
  const offText = h("p");
  const placeholder = h("div", { className: "placeholder", hidden: true }, initial, offText);
  const status = h("p", { className: "tile-status", hidden: true });
  const name = h("span");
  const muted = h("span", { className: "muted", hidden: true }, icon(MicOff), "Muted");
  const presenting = h("p", { className: "presenting", hidden: true }, icon(MonitorUp), h("span"));
  const noteText = h("span");
  const note = h("span", { className: "tile-note", hidden: true }, icon(TriangleAlert), noteText);
  const caption = h("figcaption", { className: "name-tag" }, name, muted, note);
  const element = h(
    "figure",
    { className: "tile remote" },
    video,
    placeholder,
    status,
    presenting,
    caption,
  );
  attr(video, "aria-label", "Their camera");

  let listening: { stream: MediaStream; stop(): void } | null = null;
  /** The ring around their picture while they speak; it holds half a second after a word. */
  const listen = (stream: MediaStream | null) => {
    if (listening?.stream === stream) return;
    listening?.stop();
    listening = null;
    element.dataset.speaking = "false";
    const reader = stream && readLevel(stream);
    if (!stream || !reader) return;
    let loudUntil = 0;
    const every = setInterval(() => {
      if (reader.level() > SPEAKING_LEVEL) loudUntil = Date.now() + SPEAKING_HOLD_MS;
      element.dataset.speaking = String(Date.now() < loudUntil);
    }, 100);
    listening = { stream, stop: () => (clearInterval(every), reader.stop()) };
  };

  return {
    element,
    video,
    update(tile, stream, fit) {
      if (video.srcObject !== stream) video.srcObject = stream;
      text(name, tile.name);
      attr(
        video,
        "aria-label",
        tile.presenting ? `${tile.name}'s screen` : `${tile.name}'s camera`,
      );
      muted.hidden = !tile.muted;
      text(initial, tile.initial);
      text(offText, tile.cameraOffText);
      placeholder.hidden = !tile.cameraOff;
      text(status, tile.status ?? "");
      status.hidden = tile.status === null;
      text(noteText, tile.note?.text ?? "");
      note.hidden = tile.note === null;
      note.dataset.tone = tile.note?.tone ?? "";
      presenting.hidden = !tile.presenting;
      text(presenting.lastChild as HTMLElement, `${tile.name} is presenting`);
      // A shared screen is never cropped; a camera fills the tile when asked (or on a phone).
      element.dataset.fit = tile.presenting ? "fit" : fit;
      listen(tile.muted ? null : stream);
    },
    destroy() {
      listen(null);
      video.srcObject = null;
    },
  };
}
