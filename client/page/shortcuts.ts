/**
 * The room page's keyboard shortcuts, as Meet has them: Ctrl/Cmd+D the microphone, Ctrl/Cmd+E
 * the camera, `?` this list. One array: the help overlay lists them all (a new shortcut is one
 * more entry).
 *
 * @module
 */
import type { CallEvent } from "../../machines/call_machine.ts";

/** What a shortcut can act on. */
export interface ShortcutTarget {
  send(event: CallEvent): void;
  /** Opens the list of shortcuts. */
  help(): void;
}

/** One shortcut: its keys as shown, what it does, when it applies, and what it runs. */
export interface Shortcut {
  keys: string;
  does: string;
  matches(event: KeyboardEvent): boolean;
  run(target: ShortcutTarget): void;
}

const mod = (event: KeyboardEvent) =>
  (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;

/** Every shortcut, in the order the help overlay lists them. */
export const SHORTCUTS: readonly Shortcut[] = [
  {
    keys: "Ctrl+D (⌘+D)",
    does: "Turn your microphone on or off",
    matches: (event) => mod(event) && event.key.toLowerCase() === "d",
    run: (target) => target.send({ type: "user.toggleMic" }),
  },
  {
    keys: "Ctrl+E (⌘+E)",
    does: "Turn your camera on or off",
    matches: (event) => mod(event) && event.key.toLowerCase() === "e",
    run: (target) => target.send({ type: "user.toggleCamera" }),
  },
  {
    keys: "?",
    does: "Show these shortcuts",
    matches: (event) => event.key === "?" && !typing(event),
    run: (target) => target.help(),
  },
];

function typing(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return !!target?.closest?.("input, textarea, select, [contenteditable]");
}

/** Runs the shortcuts on `target` for keys pressed on the page; returns what stops it. */
export function listenForShortcuts(target: ShortcutTarget): () => void {
  const onKey = (event: KeyboardEvent) => {
    const shortcut = SHORTCUTS.find((s) => s.matches(event));
    if (!shortcut) return;
    // Ctrl+D would bookmark the page, Ctrl+E search: the call's meaning wins.
    event.preventDefault();
    shortcut.run(target);
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
