/**
 * The call's control bar: a toolbar of round buttons (microphone, camera, share screen, chat,
 * more) centred, Hang up apart, and the call's clock on the left. Arrow keys move along it (one
 * stop for Tab); each button says its state in its name and its shortcut in its tooltip.
 *
 * @module
 */
import { MessageSquare, MonitorUp, PhoneOff } from "lucide";
import { attr, h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import type { CallView } from "./call_view.ts";
import { mediaSwitch } from "./media_switches.ts";
import type { MoreMenu } from "./more_menu.ts";

/** What the bar's buttons do. */
export interface BarActions {
  toggleMic(): void;
  toggleCamera(): void;
  toggleShare(): void;
  toggleChat(): void;
  hangUp(): void;
}

/** What the bar shows besides the view. */
export interface BarState {
  view: CallView;
  /** The call's clock ("4:05"), or null while it does not run. */
  clock: string | null;
  chatOpen: boolean;
  unread: number;
  canShare: boolean;
}

/** The control bar. */
export interface ControlBar {
  element: HTMLElement;
  chatButton: HTMLButtonElement;
  update(state: BarState): void;
}

/** Makes the bar around `more` (the More button and its menu). */
export function controlBar(actions: BarActions, more: MoreMenu): ControlBar {
  const mic = mediaSwitch("mic", actions.toggleMic);
  const camera = mediaSwitch("camera", actions.toggleCamera);
  const share = h("button", {
    type: "button",
    className: "round wide-only",
    onclick: actions.toggleShare,
  }, icon(MonitorUp));
  const badge = h("span", { className: "count", hidden: true, "aria-hidden": "true" });
  const chat = h(
    "button",
    {
      type: "button",
      className: "round",
      "aria-controls": "side-panel",
      onclick: actions.toggleChat,
    },
    icon(MessageSquare),
    badge,
  );
  const hangUp = h("button", {
    type: "button",
    className: "round danger hang-up",
    "aria-label": "Hang up",
    "data-tip": "Hang up",
    onclick: actions.hangUp,
  }, icon(PhoneOff));
  const time = h("time", { className: "clock", hidden: true });
  const buttons = [mic.button, camera.button, share, chat, more.button, hangUp];
  const toolbar = h(
    "div",
    { className: "bar-group", role: "toolbar", "aria-label": "Call controls" },
    mic.button,
    camera.button,
    share,
    chat,
    more.button,
    hangUp,
  );
  // One Tab stop; the arrow keys go along the buttons that can be used.
  let current = mic.button;
  const rove = (to: HTMLButtonElement) => {
    current = to;
    for (const button of buttons) button.tabIndex = button === to ? 0 : -1;
  };
  toolbar.addEventListener("focusin", (event) => {
    if (buttons.includes(event.target as HTMLButtonElement)) {
      rove(event.target as HTMLButtonElement);
    }
  });
  toolbar.onkeydown = (event) => {
    const usable = buttons.filter((b) => !b.disabled && b.getClientRects().length > 0);
    const at = usable.indexOf(document.activeElement as HTMLButtonElement);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    let next: HTMLButtonElement | undefined;
    if (step && at >= 0) next = usable[(at + step + usable.length) % usable.length];
    if (event.key === "Home") next = usable[0];
    if (event.key === "End") next = usable.at(-1);
    // The More button opens its menu with an arrow up.
    if (!next || (event.key === "ArrowUp" && document.activeElement === more.button)) return;
    event.preventDefault();
    next.focus();
  };
  rove(current);

  return {
    element: h("footer", { className: "bar" }, time, toolbar),
    chatButton: chat,
    update({ view, clock, chatOpen, unread, canShare }) {
      mic.update(view);
      camera.update(view);
      share.hidden = !canShare;
      const shareLabel = view.sharing ? "Stop presenting" : "Share your screen";
      attr(share, "aria-label", shareLabel);
      attr(share, "aria-pressed", String(view.sharing));
      share.dataset.tip = shareLabel;
      share.disabled = !view.inCall;
      const chatLabel = unread ? `Chat, ${unread} unread` : "Chat";
      attr(chat, "aria-label", chatLabel);
      attr(chat, "aria-pressed", String(chatOpen));
      chat.dataset.tip = chatOpen ? "Close chat" : "Chat";
      text(badge, String(unread));
      badge.hidden = unread === 0;
      hangUp.disabled = !view.inCall;
      time.hidden = clock === null;
      text(time, clock ?? "");
      if (current.disabled || current.hidden) {
        rove(buttons.find((b) => !b.disabled && !b.hidden) ?? mic.button);
      }
    },
  };
}
