/**
 * The chat panel's body: the conversation (their messages on the left, yours on the right, each
 * with a name and a time; in a group, what you write goes to everyone; files as cards with their
 * progress, Accept or Decline for a file they offer, and Save), and a composer spanning the panel
 * with Attach and Send. Files can also be dropped on it; in a group, the person says whom they go
 * to (everyone, or one person: `recipient_choice.ts`), and each card of theirs says whom it went
 * to. Messages are rendered with `textContent`, links with `href` only (http and https, opening in
 * a new tab without access to this page): never as HTML. What it shows is `conversation.ts`'s,
 * bounded, drawn in batches (`render_batch.ts`): a flood is one redraw.
 *
 * @module
 */
import { Paperclip, SendHorizontal } from "lucide";
import { h, text } from "../ui/dom.ts";
import { icon } from "../ui/icons.ts";
import { type Chat, createChat, linkParts } from "./chat.ts";
import { conversation, type Entry } from "./conversation.ts";
import { type Recipient, recipientChoice } from "./recipient_choice.ts";
import { renderBatch } from "./render_batch.ts";
import { drawFileCard, fileCard } from "../files/file_card.ts";
import {
  type FileChannel,
  type FileTransfers,
  fileTransfers,
  MAX_FILE_BYTES,
  tooLarge,
  type Transfer,
} from "../files/file_transfer.ts";
import { transferStatus } from "../files/transfer_words.ts";
import type { PeerMessages } from "../effects/peer_messages.ts";

/** What the chat needs from the call. */
export interface ChatOptions {
  /** Called with how many messages and files arrived while the panel was closed. */
  onUnread(count: number): void;
  /**
   * The name of the person `peer` (the session given to `attach`) as it is now ("" when they gave
   * none; made safe by presence).
   */
  theirName(peer?: string): string;
}

/** The chat on the page. */
export interface ChatView {
  body: HTMLElement;
  /** The message field (the focus goes there when the panel opens). */
  input: HTMLInputElement;
  setOpen(open: boolean): void;
  /** Their name changed: what shows it is drawn again. */
  renamed(): void;
  /**
   * Speaks over this connection's channels too from now on (`peer`'s, one of the people in the
   * call): messages go to everyone attached, files to whom the person picks. Returns what stops
   * it.
   */
  attach(bus: PeerMessages, files: FileChannel, peer?: string): () => void;
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

/** What an entry was drawn from: it is drawn again when this changes. */
function drawKey(entry: Entry, theirName: string): string {
  if (entry.kind === "message") return `message ${theirName}`;
  if (entry.kind === "notice") return `notice ${entry.leftOut} ${theirName}`;
  const { transfer } = entry;
  return `${transfer.state} ${transferStatus(transfer)} ${theirName}`;
}

/** The chat, for a panel that starts closed. */
export function chatView(options: ChatOptions): ChatView {
  const list = h("ol", { id: "chat-log", className: "chat-list" });
  const empty = h(
    "p",
    { className: "chat-empty" },
    "Messages and files go straight to the others in the call and are gone when the call ends.",
  );
  const log = h(
    "div",
    { className: "chat-log", role: "log", "aria-label": "Messages", tabIndex: 0 },
    empty,
    list,
  );
  const error = h("p", { className: "chat-error", role: "alert", hidden: true });
  const input = h("input", {
    type: "text",
    placeholder: "Send a message",
    autocomplete: "off",
    maxLength: 4000,
    "aria-label": "Message",
  });
  const fileInput = h("input", {
    id: "file-input",
    type: "file",
    hidden: true,
    "aria-label": "Choose a file to send",
  });
  const form = h(
    "form",
    { className: "composer" },
    h("button", {
      type: "button",
      className: "icon-button",
      "aria-label": "Send a file",
      "data-tip": `Send a file (up to ${MAX_FILE_BYTES / (1024 * 1024)} MB, or drop it here)`,
      onclick: () => fileInput.click(),
    }, icon(Paperclip)),
    input,
    h("button", {
      type: "submit",
      className: "icon-button send",
      "aria-label": "Send",
      "data-tip": "Send (Enter)",
    }, icon(SendHorizontal)),
    fileInput,
  );
  const choice = recipientChoice({
    send: (chosen, to) => sendTo(chosen, to),
    done: () => input.focus(),
  });
  const body = h("div", { className: "chat" }, log, error, choice.element, form);

  let open = false;
  let unread = 0;
  /** Each person's file channel, by the session `attach` was given. */
  const files = new Map<string | undefined, FileTransfers>();
  /** Whose each transfer is (a card names them, and its Accept goes to them). */
  const owners = new WeakMap<Transfer, string | undefined>();
  /** The files sent in a group: their cards say whom each went to. */
  const addressed = new WeakSet<Transfer>();
  /** The people files can go to, as the call has them now. */
  const people = (): Recipient[] =>
    [...files.keys()].map((peer) => ({ peer, name: options.theirName(peer) }));
  const say = (words: string | null) => {
    error.hidden = words === null;
    text(error, words ?? "");
  };
  const arrived = () => {
    if (!open) unread++;
  };

  const redraw = renderBatch(() => render());
  const contents = conversation(redraw);
  const chat: Chat = createChat({
    onMessage(message) {
      contents.message(message);
      if (message.from === "them") arrived();
    },
    onLeftOut: () => contents.leftOut(),
  });
  const onTransfer = (transfer: Transfer) => {
    if (transfer.direction === "in" && transfer.state === "offered") arrived();
    contents.file(transfer);
  };
  const actFor = (peer: string | undefined) => ({
    accept: (id: string) => files.get(peer)?.accept(id),
    decline: (id: string) => files.get(peer)?.decline(id),
  });
  const nameOf = (entry: Entry) =>
    options.theirName(
      entry.kind === "message"
        ? entry.message.peer
        : entry.kind === "file"
        ? owners.get(entry.transfer)
        : undefined,
    );

  /** What is drawn for each entry, and what it was drawn from (a file card redraws on change). */
  const drawn = new Map<string, { item: HTMLLIElement; key: string; url?: string }>();
  const render = () => {
    const entries = contents.entries();
    const keep = new Set(entries.map((entry) => entry.key));
    for (const [key, shown] of drawn) {
      if (keep.has(key)) continue;
      shown.item.remove();
      if (shown.url) URL.revokeObjectURL(shown.url);
      drawn.delete(key);
    }
    const added = document.createDocumentFragment();
    let mine = false;
    for (const entry of entries) {
      const theirName = nameOf(entry);
      const key = drawKey(entry, theirName);
      let shown = drawn.get(entry.key);
      if (shown?.key === key) continue;
      if (!shown) {
        shown = { item: h("li"), key };
        drawn.set(entry.key, shown);
        added.append(shown.item);
        if (entry.kind === "message" && entry.message.from === "me") mine = true;
      }
      shown.key = key;
      draw(shown, entry, theirName);
    }
    empty.hidden = entries.length > 0;
    if (added.childNodes.length) {
      const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      list.append(added);
      if (atEnd || mine) log.scrollTop = log.scrollHeight;
    }
    options.onUnread(unread);
  };

  const draw = (
    shown: { item: HTMLLIElement; url?: string },
    entry: Entry,
    theirName: string,
  ) => {
    const { item } = shown;
    if (entry.kind === "message") {
      const { message } = entry;
      const bubble = h("p", { className: "bubble", dir: "auto" });
      for (const part of linkParts(message.text)) {
        bubble.append(
          "href" in part
            ? h("a", { href: part.href, target: "_blank", rel: "noopener noreferrer" }, part.text)
            : part.text,
        );
      }
      const who = message.from === "me" ? "You" : theirName || "They";
      item.className = `message ${message.from}`;
      item.dataset.from = message.from;
      item.replaceChildren(
        h(
          "p",
          { className: "meta" },
          h("bdi", null, who),
          h("time", null, TIME.format(message.at)),
        ),
        bubble,
      );
    } else if (entry.kind === "notice") {
      item.className = "notice";
      const count = entry.leftOut === 1 ? "One message" : `${entry.leftOut} messages`;
      item.replaceChildren(
        `${count} from `,
        h("bdi", null, theirName || "them"),
        ` ${entry.leftOut === 1 ? "was" : "were"} left out: they came too fast.`,
      );
    } else {
      const { transfer } = entry;
      const act = actFor(owners.get(transfer));
      const to = addressed.has(transfer) ? theirName || "them" : null;
      drawFileCard(item, fileCard(transfer, { theirName, to, act }), () => {
        shown.url ??= URL.createObjectURL(transfer.blob!);
        return shown.url;
      });
      item.classList.add("transfer", transfer.direction === "out" ? "me" : "them");
      item.dataset.transfer = transfer.id;
      item.dataset.state = transfer.state;
    }
  };

  const sendFiles = (chosen: FileList | null) => {
    say(null);
    const fitting = [...chosen ?? []].filter((file) => {
      if (file.size > MAX_FILE_BYTES) say(`${file.name}: ${tooLarge(file.size)}`);
      return file.size <= MAX_FILE_BYTES;
    });
    if (fitting.length === 0) return;
    if (files.size === 0) return say("Files can be sent once you are connected.");
    // In a group, the person says whom they go to; in a call of two, to the other person.
    if (files.size > 1) choice.ask(fitting, people());
    else sendTo(fitting, people());
  };
  /** One card for each file and each person it goes to. */
  const sendTo = (chosen: File[], to: Recipient[]) => {
    const group = files.size > 1;
    for (const { peer, name } of to) {
      const theirs = files.get(peer);
      if (!theirs) {
        say(`${name || "They"} left the call: nothing was sent to them.`);
        continue;
      }
      for (const file of chosen) {
        const transfer = theirs.send(file);
        if (group) addressed.add(transfer);
      }
    }
    redraw();
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    if (chat.send(input.value)) {
      input.value = "";
      say(null);
    } else say("Not connected: the message was not sent.");
  };
  fileInput.onchange = () => {
    sendFiles(fileInput.files);
    fileInput.value = "";
  };
  body.ondragover = (event) => {
    event.preventDefault();
    body.classList.add("dropping");
  };
  body.ondragleave = () => body.classList.remove("dropping");
  body.ondrop = (event) => {
    event.preventDefault();
    body.classList.remove("dropping");
    sendFiles(event.dataTransfer?.files ?? null);
  };

  return {
    body,
    input,
    setOpen(next) {
      if (next === open) return;
      open = next;
      if (!open) return;
      unread = 0;
      render();
    },
    // Their name shows on every message and card: drawn again in a batch, so a peer changing its
    // name as fast as it may costs a few redraws a second.
    renamed: () => {
      redraw();
      choice.update(people());
    },
    attach(bus, channel, peer) {
      const stopChat = chat.attach(bus, peer);
      const mine = fileTransfers(channel, {
        onChange: (transfer) => {
          owners.set(transfer, peer);
          onTransfer(transfer);
        },
      });
      files.set(peer, mine);
      choice.update(people());
      return () => {
        stopChat();
        mine.close();
        if (files.get(peer) === mine) files.delete(peer);
        choice.update(people());
      };
    },
  };
}
