/**
 * The list of keyboard shortcuts, in a modal dialog (it comes with the call's chunk: `?`, or
 * the More menu).
 *
 * @module
 */
import { h } from "../ui/dom.ts";
import type { Shortcut } from "./shortcuts.ts";

let dialog: HTMLDialogElement | null = null;

/** Shows `shortcuts`; Escape or Close hides them and focus goes back where it was. */
export function showHelp(shortcuts: readonly Shortcut[]): void {
  const close = h("button", {
    type: "button",
    className: "primary",
    onclick: () => dialog?.close(),
  }, "Close");
  dialog ??= document.body.appendChild(
    h("dialog", { id: "help-overlay", className: "dialog", "aria-labelledby": "help-title" }),
  );
  dialog.replaceChildren(
    h("h2", { id: "help-title" }, "Keyboard shortcuts"),
    h(
      "dl",
      { className: "shortcuts" },
      shortcuts.map((s) => [h("dt", null, h("kbd", null, s.keys)), h("dd", null, s.does)]),
    ),
    h("div", { className: "actions" }, close),
  );
  if (!dialog.open) dialog.showModal();
  close.focus();
}
