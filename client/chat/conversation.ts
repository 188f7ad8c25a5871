/**
 * What the chat panel shows, as data: messages, file cards and notices in order of arrival,
 * bounded whatever the other side sends. At most `MAX_CHAT_MESSAGES` messages and notices (the
 * oldest go first) and `MAX_TRANSFERS` file cards (finished ones go first, oldest first; those
 * still under way stay, and they are few: offers waiting are capped, files go one at a time).
 * Messages left out for coming too fast are one notice per flood with a count, not one line each
 * (the few that get through meanwhile do not start another).
 *
 * A change calls `onChange` only: the view redraws in batches (`render_batch.ts`), so a flood
 * of changes is one redraw, never one per message.
 *
 * @module
 */
import { MAX_CHAT_MESSAGES, MAX_TRANSFERS } from "../effects/peer_limits.ts";
import { finished, type Transfer } from "../files/file_transfer.ts";
import type { ChatMessage } from "./chat.ts";

/** One thing in the chat, with a key that stays the same while it is shown. */
export type Entry =
  | { key: string; kind: "message"; message: ChatMessage }
  | { key: string; kind: "file"; transfer: Transfer }
  | { key: string; kind: "notice"; leftOut: number };

/** The chat's contents. */
export interface Conversation {
  /** Everything shown, oldest first. */
  entries(): readonly Entry[];
  /** A message sent or received. */
  message(message: ChatMessage): void;
  /** A transfer, new or changed; a withdrawn offer goes from the list. */
  file(transfer: Transfer): void;
  /** One more of their messages was left out (it came too fast). */
  leftOut(): void;
}

/** Messages left out less than this apart are counted in the same notice. */
const FLOOD_GAP_MS = 10_000;

/** An empty conversation; `onChange` runs after every change; `now` in ms (tests pass theirs). */
export function conversation(
  onChange: () => void,
  now: () => number = () => Date.now(),
): Conversation {
  const entries: Entry[] = [];
  let notice: (Entry & { kind: "notice" }) | null = null;
  let noticeAt = 0;
  const files = new Map<string, Entry & { kind: "file" }>();
  let next = 0;
  let lines = 0;

  const remove = (entry: Entry) => {
    entries.splice(entries.indexOf(entry), 1);
    if (entry.kind === "file") files.delete(entry.transfer.id);
    else lines--;
  };
  const addLine = (entry: Entry) => {
    entries.push(entry);
    if (++lines > MAX_CHAT_MESSAGES) remove(entries.find((e) => e.kind !== "file")!);
    onChange();
  };

  return {
    entries: () => entries,
    message(message) {
      addLine({ key: `m${next++}`, kind: "message", message });
    },
    leftOut() {
      // One notice per flood: the messages that get through meanwhile do not start another.
      const at = now();
      if (notice && entries.includes(notice) && at - noticeAt < FLOOD_GAP_MS) {
        notice.leftOut++;
        noticeAt = at;
        return onChange();
      }
      notice = { key: `n${next++}`, kind: "notice", leftOut: 1 };
      noticeAt = at;
      addLine(notice);
    },
    file(transfer) {
      const shown = files.get(transfer.id);
      if (transfer.state === "withdrawn") {
        if (shown) remove(shown);
        return onChange();
      }
      if (shown) {
        shown.transfer = transfer;
        return onChange();
      }
      const entry = { key: `f${next++}`, kind: "file" as const, transfer };
      files.set(transfer.id, entry);
      entries.push(entry);
      if (files.size > MAX_TRANSFERS) {
        const oldest = entries.find((e) => e.kind === "file" && finished(e.transfer));
        if (oldest) remove(oldest);
      }
      onChange();
    },
  };
}
