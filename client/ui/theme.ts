/**
 * Light, dark, or as the system says: the person's choice, kept in this browser. The choice is
 * `data-theme` on the root element; static/style.css reads it (and the system's preference when
 * there is none).
 *
 * @module
 */
import { Monitor, Moon, Sun } from "lucide";
import { h } from "./dom.ts";
import { icon, redraw } from "./icons.ts";

/** What the person can choose. */
export type Theme = "system" | "light" | "dark";

/** The choices, in the order they are offered, with their names. */
export const THEMES: readonly { theme: Theme; label: string }[] = [
  { theme: "system", label: "System" },
  { theme: "light", label: "Light" },
  { theme: "dark", label: "Dark" },
];

const KEY = "parley.theme";
/** Said on `document` when the theme changes (no module state: this module may be bundled twice). */
const CHANGED = "parley-theme";

/** The theme chosen in this browser ("system" when none). */
export function currentTheme(): Theme {
  try {
    const stored = localStorage.getItem(KEY);
    return stored === "light" || stored === "dark" ? stored : "system";
  } catch {
    return "system";
  }
}

/** Shows the page in `theme` (or the remembered one) and remembers it. */
export function applyTheme(theme: Theme = currentTheme()): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
  try {
    if (theme === "system") localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // Not remembered: this page still shows it.
  }
  document.dispatchEvent(new CustomEvent(CHANGED, { detail: theme }));
}

/** Calls `listener` whenever the theme is changed on this page; returns a stop. */
export function onTheme(listener: (theme: Theme) => void): () => void {
  const changed = (event: Event) => listener((event as CustomEvent<Theme>).detail);
  document.addEventListener(CHANGED, changed);
  return () => document.removeEventListener(CHANGED, changed);
}

const ICONS = { system: Monitor, light: Sun, dark: Moon };

/** A button that goes to the next theme (system, light, dark), saying which one is on. */
export function themeButton(): HTMLButtonElement {
  const svg = icon(ICONS[currentTheme()]);
  const button = h("button", { type: "button", className: "icon-button quiet" }, svg);
  const show = (theme: Theme) => {
    const next = THEMES[(THEMES.findIndex((t) => t.theme === theme) + 1) % THEMES.length];
    const label = `Theme: ${THEMES.find((t) => t.theme === theme)!.label.toLowerCase()}`;
    button.setAttribute("aria-label", `${label}. Switch to ${next.label.toLowerCase()}`);
    button.dataset.tip = label;
    redraw(svg, ICONS[theme]);
  };
  show(currentTheme());
  button.onclick = () => {
    const at = THEMES.findIndex((t) => t.theme === currentTheme());
    applyTheme(THEMES[(at + 1) % THEMES.length].theme);
  };
  onTheme(show);
  return button;
}
