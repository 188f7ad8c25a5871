/**
 * The card on the stage while you are alone in the room: waiting for the other person (or for
 * them to come back after they left), with the invite link, Copy link, and Share where the
 * browser can share. It stays until they arrive.
 *
 * @module
 */
import { Copy, Share2 } from "lucide";
import { h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";

/** The card on the page. */
export interface InviteCard {
  element: HTMLElement;
  copyButton: HTMLButtonElement;
  update(card: { title: string; text: string } | null): void;
  destroy(): void;
}

/** The card for the room at `link`. */
export function inviteCard(link: string): InviteCard {
  const title = h("h2", { id: "invite-title" });
  const sentence = h("p");
  const field = h("input", {
    id: "invite-link",
    type: "text",
    readOnly: true,
    value: link,
    "aria-label": "Invite link",
    onfocus: () => field.select(),
  });
  const copyLabel = h("span", null, "Copy link");
  let restore: ReturnType<typeof setTimeout> | undefined;
  const copy = h(
    "button",
    {
      type: "button",
      className: "primary",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(link);
          text(copyLabel, "Copied");
        } catch {
          field.select();
          text(copyLabel, "Press Ctrl+C to copy");
        }
        clearTimeout(restore);
        restore = setTimeout(() => text(copyLabel, "Copy link"), 2000);
      },
    },
    icon(Copy),
    copyLabel,
  );
  const share = h(
    "button",
    {
      type: "button",
      className: "secondary",
      hidden: typeof navigator.share !== "function",
      onclick: () => navigator.share({ title: "Join my Parley call", url: link }).catch(() => {}),
    },
    icon(Share2),
    "Share",
  );
  const element = h(
    "section",
    { className: "card invite", "aria-labelledby": "invite-title", hidden: true },
    title,
    sentence,
    h("div", { className: "invite-row" }, field),
    h("div", { className: "actions" }, copy, share),
  );
  return {
    element,
    copyButton: copy,
    update(card) {
      element.hidden = card === null;
      if (!card) return;
      text(title, card.title);
      text(sentence, card.text);
    },
    destroy: () => clearTimeout(restore),
  };
}
