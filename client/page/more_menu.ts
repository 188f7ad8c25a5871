/**
 * The More menu: a button in the control bar that opens a menu of everything secondary
 * (`menu_items.ts`), built afresh from the call each time it opens. A WAI-ARIA menu: arrow keys,
 * Home and End move, Enter or Space choose, Escape closes and gives the focus back to the button.
 * An item that cannot be used here stays in the list (`aria-disabled`), saying why.
 *
 * @module
 */
import { Ellipsis } from "lucide";
import { h, listen } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import type { MenuItem } from "./menu_items.ts";

/** The More button and its menu. */
export interface MoreMenu {
  button: HTMLButtonElement;
  menu: HTMLElement;
  isOpen(): boolean;
  close(): void;
  destroy(): void;
}

/** The More menu; `items` is asked for the items each time it opens. */
export function moreMenu(items: () => MenuItem[], onChange: () => void): MoreMenu {
  const button = h("button", {
    type: "button",
    className: "round",
    "aria-label": "More options",
    "aria-haspopup": "menu",
    "aria-expanded": "false",
    "aria-controls": "more-menu",
    "data-tip": "More options",
  }, icon(Ellipsis));
  const menu = h("div", {
    id: "more-menu",
    className: "menu",
    role: "menu",
    "aria-label": "More options",
    hidden: true,
  });

  const entries = () => [...menu.querySelectorAll<HTMLElement>("[role^=menuitem]")];
  const move = (by: number | "first" | "last") => {
    const all = entries();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const next = by === "first" ? 0 : by === "last" ? all.length - 1 : (at + by + all.length) %
      all.length;
    all[next]?.focus();
  };
  const close = (refocus = true) => {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
    if (refocus) button.focus();
    onChange();
  };
  const open = () => {
    let group = "";
    menu.replaceChildren(
      ...items().flatMap((item) => {
        const separator = item.radio && item.radio.group !== group
          ? h("div", { role: "separator", className: "menu-group" }, item.radio.group)
          : null;
        group = item.radio?.group ?? "";
        const description = item.description
          ? h("small", { id: `menu-${item.id}-note` }, item.description)
          : null;
        const row = h(
          "button",
          {
            type: "button",
            role: item.radio
              ? "menuitemradio"
              : item.checked === undefined
              ? "menuitem"
              : "menuitemcheckbox",
            className: item.narrowOnly ? "narrow-only" : "",
            tabIndex: -1,
            "aria-label": description ? item.label : null,
            "aria-describedby": description?.id,
            "aria-disabled": item.disabled ? "true" : null,
            onclick: () => {
              if (item.disabled) return;
              close();
              item.run();
            },
          },
          icon(item.icon),
          h("span", null, item.label, description),
        );
        const checked = item.radio?.checked ?? item.checked;
        if (checked !== undefined) row.setAttribute("aria-checked", String(checked));
        return separator ? [separator, row] : [row];
      }),
    );
    menu.hidden = false;
    place();
    button.setAttribute("aria-expanded", "true");
    onChange();
    move("first");
  };
  /** Above the button, inside the screen (again when the screen turns or the window resizes). */
  const place = () => {
    if (menu.hidden) return;
    const at = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    menu.style.left = `${Math.max(8, Math.min(at.right - width, innerWidth - width - 8))}px`;
    menu.style.bottom = `${Math.max(8, innerHeight - at.top + 8)}px`;
  };
  const stopResize = listen(window, "resize", place);
  button.onclick = () => menu.hidden ? open() : close();
  button.onkeydown = (event) => {
    if (event.key === "ArrowUp" && menu.hidden) {
      event.preventDefault();
      open();
      move("last");
    }
  };
  menu.onkeydown = (event) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(1),
      ArrowUp: () => move(-1),
      Home: () => move("first"),
      End: () => move("last"),
      Escape: () => close(),
      Tab: () => close(false),
    };
    const run = keys[event.key];
    if (!run) return;
    if (event.key !== "Tab") event.preventDefault();
    event.stopPropagation();
    run();
  };
  const stopOutside = listen(document, "pointerdown", (event) => {
    const target = event.target as Node;
    if (!menu.hidden && !menu.contains(target) && !button.contains(target)) close(false);
  });
  return {
    button,
    menu,
    isOpen: () => !menu.hidden,
    close,
    destroy: () => {
      stopOutside();
      stopResize();
    },
  };
}
