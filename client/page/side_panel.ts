/**
 * The side panel of the call (chat, or the details): a column on the right on a wide screen, a
 * sheet from the bottom on a phone, with its heading and a visible Close. Opening it moves the
 * focus into it; Escape or Close give the focus back to the button that opened it.
 *
 * @module
 */
import { X } from "lucide";
import { h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";

/** A panel's content: its heading, its body, and where the focus goes when it opens. */
export interface PanelContent {
  title: string;
  body: HTMLElement;
  /** The control that takes the focus on opening (default: the panel's heading). */
  focus?(): HTMLElement | null;
}

/** The panel. */
export interface SidePanel {
  element: HTMLElement;
  /** Which panel is open, or null. */
  open(): string | null;
  /** Opens the panel `id` with `content`, from `opener` (the focus goes back there). */
  show(id: string, content: PanelContent, opener: HTMLElement | null): void;
  close(): void;
}

/** The side panel, closed; `onChange` runs when it opens or closes. */
export function sidePanel(onChange: () => void): SidePanel {
  const title = h("h2", { id: "side-panel-title", tabIndex: -1 });
  const slot = h("div", { className: "panel-body" });
  const element = h(
    "aside",
    { id: "side-panel", className: "side", "aria-labelledby": "side-panel-title", hidden: true },
    h(
      "div",
      { className: "panel-head" },
      title,
      h("button", {
        type: "button",
        className: "icon-button",
        "aria-label": "Close",
        "data-tip": "Close (Esc)",
        onclick: () => panel.close(),
      }, icon(X)),
    ),
    slot,
  );
  let openId: string | null = null;
  let opener: HTMLElement | null = null;
  const panel: SidePanel = {
    element,
    open: () => openId,
    show(id, content, from) {
      openId = id;
      opener = from ?? opener;
      element.dataset.panel = id;
      text(title, content.title);
      if (slot.firstChild !== content.body) slot.replaceChildren(content.body);
      element.hidden = false;
      onChange();
      (content.focus?.() ?? title).focus();
    },
    close() {
      if (openId === null) return;
      openId = null;
      element.hidden = true;
      onChange();
      opener?.focus();
    },
  };
  element.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    panel.close();
  });
  return panel;
}
