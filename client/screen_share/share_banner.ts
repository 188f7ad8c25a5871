/**
 * The presenter's cue: a slim banner over the stage while you share your screen, "You are
 * presenting", with Stop beside it.
 *
 * @module
 */
import { MonitorUp } from "lucide";
import { h } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";

/** The banner; `stop` ends the share. */
export function shareBanner(stop: () => void): {
  element: HTMLElement;
  update(sharing: boolean): void;
} {
  const element = h(
    "div",
    { className: "banner", role: "status", hidden: true },
    icon(MonitorUp),
    h("span", null, "You are presenting"),
    h("button", { type: "button", className: "banner-stop", onclick: stop }, "Stop presenting"),
  );
  return { element, update: (sharing) => void (element.hidden = !sharing) };
}
