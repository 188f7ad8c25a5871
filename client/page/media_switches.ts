/**
 * The microphone and camera switches: round icon buttons that say their state in their name
 * ("Turn off microphone") and with `aria-pressed`, with the shortcut in their tooltip. Used on
 * the pre-join screen and in the call's control bar.
 *
 * @module
 */
import { Mic, MicOff, Video, VideoOff } from "lucide";
import { attr, h } from "../ui/dom.ts";
import { icon, redraw } from "../ui/icons.ts";
import type { CallView } from "./call_view.ts";

/** One switch: its button, and what updates it from a view. */
export interface MediaSwitch {
  button: HTMLButtonElement;
  update(view: CallView): void;
}

const KINDS = {
  mic: { noun: "microphone", keys: "Control+D", hint: "Ctrl+D", on: Mic, off: MicOff },
  camera: { noun: "camera", keys: "Control+E", hint: "Ctrl+E", on: Video, off: VideoOff },
} as const;

/** The switch for `kind`; pressing it runs `toggle`. */
export function mediaSwitch(kind: "mic" | "camera", toggle: () => void): MediaSwitch {
  const { noun, keys, hint, on: onIcon, off: offIcon } = KINDS[kind];
  const svg = icon(onIcon);
  const button = h("button", {
    type: "button",
    className: "round toggle",
    "aria-keyshortcuts": keys,
    onclick: toggle,
  }, svg);
  let shown = "";
  return {
    button,
    update(view) {
      // Without a track, the switch offers to start one (when the view says it can).
      const has = kind === "mic" ? view.hasAudio : view.hasVideo;
      const on = has && (kind === "mic" ? view.micOn : view.cameraOn);
      const available = has || (kind === "mic" ? view.canAddAudio : view.canAddVideo);
      const key = `${on} ${available}`;
      if (key === shown) return;
      shown = key;
      const label = `Turn ${on ? "off" : "on"} ${noun}`;
      attr(button, "aria-label", label);
      attr(button, "aria-pressed", String(on));
      button.dataset.tip = `${label} (${hint})`;
      button.disabled = !available;
      redraw(svg, on ? onIcon : offIcon);
    },
  };
}
