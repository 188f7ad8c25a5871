/**
 * The list of keyboard shortcuts, in a modal dialog (loaded when first asked for: `?`).
 *
 * @module
 */
import type { Shortcut } from "./shortcuts.ts";

let dialog: HTMLDialogElement | null = null;

/**
 * Shows `shortcuts`; Escape or Close hides them and focus goes back where it was. (They come as
 * an argument: importing them would split them out of the first bundle into a chunk of their own.)
 */
export function showHelp(shortcuts: readonly Shortcut[]): void {
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "help-overlay";
    dialog.className = "overlay";
    dialog.setAttribute("aria-labelledby", "help-title");
    document.getElementById("app")!.append(dialog);
  }
  const title = document.createElement("h2");
  title.id = "help-title";
  title.textContent = "Keyboard shortcuts";
  const list = document.createElement("dl");
  for (const shortcut of shortcuts) {
    const keys = document.createElement("dt");
    keys.append(Object.assign(document.createElement("kbd"), { textContent: shortcut.keys }));
    const does = document.createElement("dd");
    does.textContent = shortcut.does;
    list.append(keys, does);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.className = "primary";
  close.textContent = "Close";
  close.addEventListener("click", () => dialog?.close());
  dialog.replaceChildren(title, list, close);
  if (!dialog.open) dialog.showModal();
  close.focus();
}
