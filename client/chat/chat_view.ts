/**
 * The chat panel: the conversation, a box to write in, and files (a picker, or dropped on the
 * panel) with their progress. Messages are rendered with `textContent` and links with `href`
 * only (http and https, opening in a new tab without access to this page): never as HTML.
 *
 * @module
 */
import { type Chat, createChat, linkParts } from "./chat.ts";
import { conversation, type Entry } from "./conversation.ts";
import { renderBatch } from "./render_batch.ts";
import {
  type FileChannel,
  type FileTransfers,
  fileTransfers,
  MAX_FILE_BYTES,
  tooLarge,
  type Transfer,
} from "../files/file_transfer.ts";
import { offerQuestion, transferStatus } from "../files/transfer_words.ts";
import type { PeerMessages } from "../effects/peer_messages.ts";
import { readPresence } from "../presence/presence.ts";

/** Options for {@linkcode mountChatPanel}. */
export interface ChatPanelOptions {
  /** Called with how many messages and files arrived while the panel was closed. */
  onUnread(count: number): void;
}

/** The chat panel on the page. */
export interface ChatPanel {
  setOpen(open: boolean): void;
  isOpen(): boolean;
  /** Speaks over this connection's channels from now on; returns what stops it. */
  attach(bus: PeerMessages, files: FileChannel): () => void;
}

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
): HTMLElementTagNameMap[K] {
  return Object.assign(document.createElement(tag), props);
}

/** `text` in an element of its own direction: right-to-left text cannot reorder what is around. */
function bidi(text: string): HTMLElement {
  return make("bdi", { textContent: text });
}

function fileLabel(name: string): HTMLElement {
  return make("bdi", { className: "file-name", textContent: name });
}

function action(label: string, transfer: Transfer, run: () => void): HTMLButtonElement {
  const button = make("button", { type: "button", textContent: label });
  button.setAttribute("aria-label", `${label} ${transfer.name}`);
  button.addEventListener("click", run);
  return button;
}

/** What an entry was drawn from: it is drawn again when this changes. */
function drawKey(entry: Entry): string {
  if (entry.kind === "message") return "message";
  if (entry.kind === "notice") return `notice ${entry.leftOut}`;
  const { transfer } = entry;
  return `${transfer.state} ${transferStatus(transfer)}`;
}

/** Mounts the chat panel (closed) into `container`. */
export function mountChatPanel(container: HTMLElement, options: ChatPanelOptions): ChatPanel {
  const panel = make("section", { id: "chat-panel", className: "panel", hidden: true });
  panel.setAttribute("aria-label", "Chat and files");
  const log = make("ol", { id: "chat-log", className: "chat-log" });
  log.setAttribute("aria-live", "polite");
  const error = make("p", { id: "chat-error", className: "chat-error", hidden: true });
  error.setAttribute("role", "alert");
  const form = make("form", { id: "chat-form", className: "chat-form" });
  const input = make("input", {
    id: "chat-input",
    type: "text",
    placeholder: "Write a message",
    autocomplete: "off",
    maxLength: 4000,
  });
  input.setAttribute("aria-label", "Message");
  const sendButton = make("button", { type: "submit", textContent: "Send" });
  const fileInput = make("input", { id: "file-input", type: "file", hidden: true });
  const fileButton = make("button", {
    id: "send-file",
    type: "button",
    textContent: "Send a file",
    title: `Or drop it here (up to ${MAX_FILE_BYTES / (1024 * 1024)} MB)`,
  });
  form.append(input, sendButton, fileButton, fileInput);
  panel.append(log, error, form);
  container.append(panel);

  let unread = 0;
  let files: FileTransfers | null = null;
  let theirName = "";
  const say = (text: string | null) => {
    error.hidden = text === null;
    error.textContent = text ?? "";
  };
  const arrived = () => {
    if (panel.hidden) unread++;
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
    for (const entry of entries) {
      const key = drawKey(entry);
      let shown = drawn.get(entry.key);
      if (shown?.key === key) continue;
      if (!shown) {
        shown = { item: make("li"), key };
        drawn.set(entry.key, shown);
        added.append(shown.item);
      }
      shown.key = key;
      draw(shown, entry);
    }
    if (added.childNodes.length) {
      log.append(added);
      log.scrollTop = log.scrollHeight;
    }
    options.onUnread(unread);
  };

  const draw = (shown: { item: HTMLLIElement; url?: string }, entry: Entry) => {
    const { item } = shown;
    item.dir = "auto";
    if (entry.kind === "message") {
      item.className = `message ${entry.message.from}`;
      item.replaceChildren(
        ...linkParts(entry.message.text).map((part) => {
          if (!("href" in part)) return document.createTextNode(part.text);
          const link = make("a", { href: part.href, textContent: part.text, target: "_blank" });
          link.rel = "noopener noreferrer";
          return link;
        }),
      );
    } else if (entry.kind === "notice") {
      item.className = "notice";
      const count = entry.leftOut === 1 ? "One message" : `${entry.leftOut} messages`;
      item.replaceChildren(
        `${count} from `,
        bidi(theirName || "them"),
        ` ${entry.leftOut === 1 ? "was" : "were"} left out: they came too fast.`,
      );
    } else drawTransfer(shown, entry.transfer);
  };

  const drawTransfer = (shown: { item: HTMLLIElement; url?: string }, transfer: Transfer) => {
    const { item } = shown;
    item.className = `transfer ${transfer.direction === "out" ? "me" : "them"}`;
    item.dataset.transfer = transfer.id;
    item.dataset.state = transfer.state;
    const offered = transfer.direction === "in" && transfer.state === "offered";
    const parts: Node[] = [];
    if (offered) {
      const question = offerQuestion(transfer, theirName);
      const ask = make("span", { className: "file-offer" });
      ask.append(bidi(question.who), question.wants, fileLabel(question.file), question.size);
      parts.push(ask, action("Accept", transfer, () => files?.accept(transfer.id)));
      parts.push(action("Decline", transfer, () => files?.decline(transfer.id)));
    } else {
      parts.push(fileLabel(transfer.name));
      const moving = transfer.state === "sending" || transfer.state === "receiving";
      if (moving) parts.push(make("progress", { max: transfer.size || 1, value: transfer.done }));
    }
    parts.push(make("span", { className: "file-status", textContent: transferStatus(transfer) }));
    if (transfer.state === "received" && transfer.blob) {
      // Offered only now: every byte arrived and the hash is the sender's. A download only
      // (application/octet-stream, `download`): never a page of this origin.
      shown.url ??= URL.createObjectURL(transfer.blob);
      const save = make("a", {
        className: "file-save",
        href: shown.url,
        download: transfer.name,
        textContent: "Save",
      });
      save.rel = "noopener";
      save.setAttribute("aria-label", `Save ${transfer.name}`);
      parts.push(save);
    }
    item.replaceChildren(...parts);
  };

  const sendFiles = (list: FileList | null) => {
    say(null);
    for (const file of list ?? []) {
      if (file.size > MAX_FILE_BYTES) {
        say(`${file.name}: ${tooLarge(file.size)}`);
        continue;
      }
      if (!files) {
        say("Files can be sent once you are connected.");
        return;
      }
      files.send(file);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (chat.send(input.value)) {
      input.value = "";
      say(null);
    } else say("Not connected: the message was not sent.");
  });
  fileButton.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    sendFiles(fileInput.files);
    fileInput.value = "";
  });
  panel.addEventListener("dragover", (event) => {
    event.preventDefault();
    panel.classList.add("dropping");
  });
  panel.addEventListener("dragleave", () => panel.classList.remove("dropping"));
  panel.addEventListener("drop", (event) => {
    event.preventDefault();
    panel.classList.remove("dropping");
    sendFiles(event.dataTransfer?.files ?? null);
  });

  return {
    setOpen(open) {
      panel.hidden = !open;
      if (open) {
        unread = 0;
        options.onUnread(0);
        render();
        input.focus();
      }
    },
    isOpen: () => !panel.hidden,
    attach(bus, channel) {
      const stopChat = chat.attach(bus);
      // Their name, for the offers they make (presence says it; made safe there).
      const stopName = bus.on("presence", (message) => {
        const name = readPresence(message)?.name ?? theirName;
        if (name !== theirName) {
          theirName = name;
          // What shows it (notices, file cards; never messages) is drawn again, in a batch: a
          // peer changing its name as fast as it may is a few redraws a second.
          for (const [key, shown] of drawn) if (!key.startsWith("m")) shown.key = "";
          redraw();
        }
      });
      files = fileTransfers(channel, { onChange: onTransfer });
      const mine = files;
      return () => {
        stopChat();
        stopName();
        mine.close();
        if (files === mine) files = null;
      };
    },
  };
}
