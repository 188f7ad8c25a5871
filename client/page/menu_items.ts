/**
 * What the call's More menu offers: everything secondary, as a list of entries rendered from
 * data. An entry looks at the call and gives its item (or items, or nothing); a new choice is one
 * more entry in {@linkcode MENU_ENTRIES}.
 *
 * @module
 */
import {
  Expand,
  Eye,
  EyeOff,
  Gauge,
  Keyboard,
  Link,
  Maximize,
  Minimize,
  Monitor,
  MonitorUp,
  Moon,
  PictureInPicture2,
  Settings,
  ShieldCheck,
  Shrink,
  Sun,
} from "lucide";
import type { IconNode } from "lucide";
import type { Effect } from "../../machines/processing_machine.ts";
import { EFFECT_ICONS, type EffectSwitch } from "../processing/effect_switches.ts";
import { type Theme, THEMES } from "../ui/theme.ts";
import type { CallView } from "./call_view.ts";

/** What the menu's entries look at, and what they can do. */
export interface MenuContext {
  view: CallView;
  theme: Theme;
  /** Their picture fitted whole, or filling the stage (cropped). */
  fit: "fit" | "fill";
  selfHidden: boolean;
  /** The browser can share a screen, window or tab. */
  canShare: boolean;
  canPictureInPicture: boolean;
  canFullscreen: boolean;
  fullscreen: boolean;
  /** Data saver is on (`adaptation/data_saver.ts`). */
  dataSaver: boolean;
  /** Noise suppression and background blur, and why one cannot be used (null: it can). */
  effects: readonly (EffectSwitch & { note: string | null })[];
  act: {
    openDevices(): void;
    openDetails(): void;
    copyLink(): void;
    toggleShare(): void;
    toggleFit(): void;
    toggleSelf(): void;
    pictureInPicture(): void;
    toggleFullscreen(): void;
    toggleDataSaver(): void;
    toggleEffect(effect: Effect): void;
    openHelp(): void;
    setTheme(theme: Theme): void;
  };
}

/** One item of the menu. */
export interface MenuItem {
  id: string;
  label: string;
  icon: IconNode;
  run(): void;
  /** A choice among others (`group`), with whether it is the one chosen. */
  radio?: { group: string; checked: boolean };
  /** A choice on or off by itself: whether it is on. */
  checked?: boolean;
  /** Offered here only where the control bar has no room for its own button (phones). */
  narrowOnly?: boolean;
  /** Shown but not usable here (its description says why). */
  disabled?: boolean;
  /** What it says besides its name (why it is disabled, that it failed). */
  description?: string;
}

/** An entry: its item(s) for this call, or null when it offers nothing now. */
export type MenuEntry = (context: MenuContext) => MenuItem | MenuItem[] | null;

const THEME_ICONS: Record<Theme, IconNode> = { system: Monitor, light: Sun, dark: Moon };

/** Every entry, in the order the menu lists them. */
export const MENU_ENTRIES: MenuEntry[] = [
  ({ act }) => ({ id: "devices", label: "Devices", icon: Settings, run: act.openDevices }),
  ({ act, effects }) =>
    effects.map(({ effect, label, on, disabled, note }) => ({
      id: effect,
      label,
      icon: EFFECT_ICONS[effect],
      run: () => act.toggleEffect(effect),
      checked: on,
      // Unavailable, it says why; having failed to start, it says so and may be tried again.
      disabled,
      description: note ?? undefined,
    })),
  ({ act }) => ({
    id: "details",
    label: "Details and verification code",
    icon: ShieldCheck,
    run: act.openDetails,
  }),
  ({ act }) => ({ id: "copy-link", label: "Copy invite link", icon: Link, run: act.copyLink }),
  ({ act, canShare, view }) =>
    canShare && view.inCall
      ? {
        id: "share",
        label: view.sharing ? "Stop presenting" : "Share your screen",
        icon: MonitorUp,
        run: act.toggleShare,
        narrowOnly: true,
      }
      : null,
  ({ act, fit, view }) =>
    view.peer === "here"
      ? {
        id: "fit",
        label: fit === "fit" ? "Fill the screen with their picture" : "Show all of their picture",
        icon: fit === "fit" ? Expand : Shrink,
        run: act.toggleFit,
      }
      : null,
  ({ act, selfHidden }) => ({
    id: "self",
    label: selfHidden ? "Show my picture" : "Hide my picture",
    icon: selfHidden ? Eye : EyeOff,
    run: act.toggleSelf,
  }),
  ({ act, canPictureInPicture, view }) =>
    canPictureInPicture && view.peer === "here"
      ? {
        id: "pip",
        label: "Picture in picture",
        icon: PictureInPicture2,
        run: act.pictureInPicture,
      }
      : null,
  ({ act, canFullscreen, fullscreen }) =>
    canFullscreen
      ? {
        id: "fullscreen",
        label: fullscreen ? "Exit full screen" : "Full screen",
        icon: fullscreen ? Minimize : Maximize,
        run: act.toggleFullscreen,
      }
      : null,
  ({ act, dataSaver }) => ({
    id: "data-saver",
    label: "Data saver",
    icon: Gauge,
    run: act.toggleDataSaver,
    checked: dataSaver,
  }),
  ({ act }) => ({ id: "help", label: "Keyboard shortcuts", icon: Keyboard, run: act.openHelp }),
  ({ act, theme }) =>
    THEMES.map(({ theme: choice, label }) => ({
      id: `theme-${choice}`,
      label: `${label} theme`,
      icon: THEME_ICONS[choice],
      run: () => act.setTheme(choice),
      radio: { group: "Theme", checked: theme === choice },
    })),
];

/** The menu's items for `context`, in order. */
export function menuItems(context: MenuContext, entries = MENU_ENTRIES): MenuItem[] {
  return entries.flatMap((entry) => entry(context) ?? []);
}
