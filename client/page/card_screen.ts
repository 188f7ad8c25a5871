/**
 * The screens where a call ends or cannot start (you left, the room is full, the call failed,
 * the server is out of reach, the camera is refused, the browser cannot make calls): a card in
 * the middle of the neutral stage with an icon, one heading, one sentence and its ways forward,
 * the first of them the primary one.
 *
 * @module
 */
import { CameraOff, LogOut, TriangleAlert, Users } from "lucide";
import { h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import type { AlertKind, ViewAction } from "./call_view.ts";
import type { PageHost, Screen } from "./screen.ts";

/** Each card's icon (few: each one weighs on the page's first visit). */
const ICONS = {
  left: LogOut,
  full: Users,
  failed: TriangleAlert,
  unreachable: TriangleAlert,
  media: CameraOff,
  unsupported: TriangleAlert,
} satisfies Record<AlertKind, unknown>;

/** Runs `action` on `host`: a machine event, or what the page does itself. */
export function runAction(host: PageHost, action: ViewAction): void {
  const { event } = action;
  if (event === "newCall" || event === "checkConnection" || event === "copyLink") {
    host.perform(event);
  } else host.send({ type: event });
}

/** The card screen; it shows whichever card the view has. */
export function cardScreen(host: PageHost): Screen {
  const title = h("h1", { id: "card-title", tabIndex: -1 });
  const sentence = h("p");
  const badge = h("div", { className: "card-icon" });
  const actions = h("div", { className: "actions" });
  const card = h(
    "section",
    { className: "card end", "aria-labelledby": "card-title" },
    badge,
    title,
    sentence,
    actions,
  );
  let shown = "";
  return {
    element: h("main", { className: "stage-screen" }, card),
    update({ view }) {
      const alert = view.alert;
      if (!alert) return;
      const key = JSON.stringify(alert);
      if (key === shown) return;
      shown = key;
      card.dataset.tone = alert.neutral ? "neutral" : "problem";
      badge.replaceChildren(icon(ICONS[alert.kind]));
      text(title, alert.title);
      text(sentence, alert.text);
      actions.replaceChildren(...alert.actions.map((action, i) =>
        h("button", {
          type: "button",
          className: i === 0 ? "primary" : "secondary",
          onclick: () => runAction(host, action),
        }, action.label)
      ));
    },
    focusTarget: (focus) => focus === "alert" ? actions.querySelector("button") : null,
    destroy() {},
  };
}
