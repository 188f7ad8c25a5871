/**
 * A file in the chat, as a card: its name, size, where it stands in words (`transfer_words.ts`)
 * with its progress, and its actions (Accept and Decline for a file they offer; Save once every
 * byte arrived and the hash matched). The card is computed from the transfer as plain data
 * ({@linkcode fileCard}), then drawn; names are isolated (`<bdi>`), so right-to-left text
 * cannot reorder the sentence around them.
 *
 * @module
 */
import { File } from "lucide";
import { h, nodes } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import { sizeWords } from "./file_protocol.ts";
import type { Transfer } from "./file_transfer.ts";
import { type OfferQuestion, offerQuestion, transferStatus } from "./transfer_words.ts";

/** An action on a file card: a link to save the file, or a button. */
export type FileAction =
  | { label: string; name: string; save: Blob }
  | { label: string; name: string; run: () => void; primary?: boolean };

/** What a file card shows. */
export interface FileCard {
  from: "me" | "them";
  name: string;
  size: string;
  /** For a file sent in a group: whom this card's copy went to ("To Ada"). */
  to: string | null;
  /** For a file they offer: "Ada wants to send you report.pdf (2.1 MB)", in parts. */
  question: OfferQuestion | null;
  status: string;
  /** Done so far, 0 to 1; null when there is no progress to show. */
  progress: number | null;
  failed: boolean;
  actions: FileAction[];
}

/** What a card's buttons do. */
export interface FileCardActions {
  accept(id: string): void;
  decline(id: string): void;
}

/**
 * The card for `transfer`; `theirName` is "" when they gave none; `to`, for a file sent in a group,
 * the name of the person this copy went to.
 */
export function fileCard(
  transfer: Transfer,
  { theirName, to = null, act }: { theirName: string; to?: string | null; act: FileCardActions },
): FileCard {
  const moving = transfer.state === "sending" || transfer.state === "receiving";
  const offered = transfer.direction === "in" && transfer.state === "offered";
  const actions: FileAction[] = [];
  if (offered) {
    actions.push(
      {
        label: "Accept",
        name: `Accept ${transfer.name}`,
        run: () => act.accept(transfer.id),
        primary: true,
      },
      { label: "Decline", name: `Decline ${transfer.name}`, run: () => act.decline(transfer.id) },
    );
  }
  if (transfer.state === "received" && transfer.blob) {
    actions.push({ label: "Save", name: `Save ${transfer.name}`, save: transfer.blob });
  }
  return {
    from: transfer.direction === "out" ? "me" : "them",
    to: transfer.direction === "out" ? to : null,
    name: transfer.name,
    size: sizeWords(transfer.size),
    question: offered ? offerQuestion(transfer, theirName) : null,
    status: transferStatus(transfer),
    progress: moving && transfer.done > 0 ? transfer.done / (transfer.size || 1) : null,
    failed: transfer.state === "failed",
    actions,
  };
}

/**
 * Draws `card` into `item` (a list item of the chat), replacing what it showed. A saved file's
 * object URL is kept in `urls` (by the item) and revoked when the item goes.
 */
export function drawFileCard(item: HTMLElement, card: FileCard, url: () => string): void {
  item.className = "file-card";
  item.dataset.from = card.from;
  item.dataset.failed = String(card.failed);
  const actions = card.actions.map((action) => {
    if ("save" in action) {
      // Offered only now: every byte arrived and the hash is the sender's. A download only
      // (application/octet-stream, `download`): never a page of this origin.
      return h("a", {
        className: "button secondary file-save",
        href: url(),
        download: card.name,
        rel: "noopener",
        "aria-label": action.name,
      }, action.label);
    }
    return h("button", {
      type: "button",
      className: action.primary ? "primary" : "secondary",
      "aria-label": action.name,
      onclick: action.run,
    }, action.label);
  });
  item.replaceChildren(
    ...nodes([
      h("span", { className: "file-icon" }, icon(File)),
      h(
        "div",
        { className: "file-text" },
        card.question
          ? h(
            "p",
            { className: "file-offer" },
            h("bdi", null, card.question.who),
            card.question.wants,
            h("bdi", { className: "file-name" }, card.question.file),
            card.question.size,
          )
          : h("p", { className: "file-name" }, h("bdi", null, card.name)),
        h(
          "p",
          { className: "file-meta" },
          card.to === null
            ? null
            : [h("span", { className: "file-to" }, "To ", h("bdi", null, card.to)), " · "],
          h("span", { className: "file-status" }, card.status),
          ` · ${card.size}`,
        ),
        card.progress === null ? null : h("progress", {
          max: 1,
          value: card.progress,
          "aria-label": `${card.name}: ${card.status}`,
        }),
      ),
      actions.length ? h("div", { className: "file-actions" }, actions) : null,
    ]),
  );
}
