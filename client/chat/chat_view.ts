/**
 * The chat panel: the conversation, a box to write in, and files (a picker, or dropped on the
 * panel) with their progress. Messages are rendered with `textContent` and links with `href`
 * only (http and https, opening in a new tab without access to this page): never as HTML.
 *
 * @module
 */
import { type Chat, type ChatMessage, createChat, linkParts } from "./chat.ts";
import {
  type FileChannel,
  type FileTransfers,
  fileTransfers,
  MAX_FILE_BYTES,
  tooLarge,
  type Transfer,
} from "../files/file_transfer.ts";
import type { PeerMessages } from "../effects/peer_messages.ts";

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
  const say = (text: string | null) => {
    error.hidden = text === null;
    error.textContent = text ?? "";
  };
  const arrived = () => {
    if (!panel.hidden) return;
    unread++;
    options.onUnread(unread);
  };

  const showMessage = (message: ChatMessage) => {
    const item = make("li", { className: `message ${message.from}` });
    for (const part of linkParts(message.text)) {
      if ("href" in part) {
        const link = make("a", { href: part.href, textContent: part.text, target: "_blank" });
        link.rel = "noopener noreferrer";
        item.append(link);
      } else item.append(document.createTextNode(part.text));
    }
    log.append(item);
    log.scrollTop = log.scrollHeight;
    if (message.from === "them") arrived();
  };
  const chat: Chat = createChat(showMessage);

  const transferItems = new Map<string, HTMLLIElement>();
  const shownPercent = new Map<string, string>();
  const showTransfer = (transfer: Transfer) => {
    // Redrawn when the whole percent or the state changes, not for each 16 KiB.
    const key = `${transfer.state} ${Math.floor((transfer.done / (transfer.size || 1)) * 100)}`;
    if (shownPercent.get(transfer.id) === key) return;
    shownPercent.set(transfer.id, key);
    let item = transferItems.get(transfer.id);
    if (!item) {
      item = make("li", { className: `transfer ${transfer.direction === "out" ? "me" : "them"}` });
      item.dataset.transfer = transfer.id;
      transferItems.set(transfer.id, item);
      log.append(item);
      log.scrollTop = log.scrollHeight;
      if (transfer.direction === "in") arrived();
    }
    item.dataset.state = transfer.state;
    const name = make("span", { className: "file-name", textContent: transfer.name });
    const progress = make("progress", { max: transfer.size || 1, value: transfer.done });
    const percent = transfer.size ? Math.floor((transfer.done / transfer.size) * 100) : 100;
    const words: Record<Transfer["state"], string> = {
      sending: `Sending… ${percent}%`,
      receiving: `Receiving… ${percent}%`,
      delivered: "Delivered",
      received: "Received",
      failed: transfer.error ?? "Failed",
    };
    const status = make("span", { className: "file-status", textContent: words[transfer.state] });
    const parts: Node[] = [name, progress, status];
    if (transfer.state === "received" && transfer.blob) {
      // Offered only now: every byte arrived and the hash is the sender's.
      const save = make("a", {
        className: "file-save",
        href: URL.createObjectURL(transfer.blob),
        download: transfer.name,
        textContent: "Save",
      });
      save.rel = "noopener";
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
        input.focus();
      }
    },
    isOpen: () => !panel.hidden,
    attach(bus, channel) {
      const stopChat = chat.attach(bus);
      files = fileTransfers(channel, { onChange: showTransfer });
      const mine = files;
      return () => {
        stopChat();
        mine.close();
        if (files === mine) files = null;
      };
    },
  };
}
