/**
 * The sending half of the file protocol (client/files/file_protocol.ts): a file is offered, and
 * read and sent only once the other person accepted it, one file at a time. The sender keeps
 * within what the receiver allows, so an honest sender is never refused: at most
 * {@linkcode PEER_LIMITS}`.pendingOffers` offers wait for an answer at once (the rest wait here,
 * "queued"), and offers go out at half the receiver's rate at most.
 *
 * The sender keeps the channel's buffer under {@linkcode HIGH_WATER} bytes, waiting for
 * `bufferedamountlow` (at `LOW_WATER`) before it sends more: a fast sender never piles
 * a whole file into memory or stalls the control messages.
 *
 * @module
 */
import { PEER_LIMITS, rateLimiter } from "../effects/peer_limits.ts";
import { CHUNK_BYTES, type Header, HIGH_WATER, sha256Hex } from "./file_protocol.ts";
import type { FileChannel, FileLike, Transfer } from "./file_transfer.ts";

/** What the sender shares with the rest of the file protocol on its channel. */
export interface SenderHost {
  channel: FileChannel;
  sendHeader(header: Header): void;
  onChange(transfer: Transfer): void;
  /** Whether the protocol was closed (then nothing more is sent). */
  closed(): boolean;
}

/** The sending side of one channel. */
export interface FileSender {
  /** Offers `file` (now, or once fewer offers wait); `transfer` is its card. */
  offer(file: FileLike, transfer: Transfer): void;
  /** A header addressed to the sending side (accept, decline, result). */
  header(header: Header): void;
  /** The channel closed: whatever is not delivered fails. */
  close(): void;
}

/** Offers go out at half the rate the receiver takes them, so timing on the way never matters. */
const OFFER_PACE = {
  perSecond: PEER_LIMITS.offers.perSecond / 2,
  burst: PEER_LIMITS.offers.burst / 2,
};

const DECLINED = {
  declined: "They declined this file.",
  busy: "They have files waiting for an answer: send it again in a moment.",
  "too-large": "It is larger than they accept.",
};

/** The sending side, speaking through `host`. */
export function fileSender(host: SenderHost): FileSender {
  const { channel, sendHeader, onChange } = host;
  const files = new Map<string, { transfer: Transfer; file: FileLike }>();
  const queued: string[] = [];
  const pace = rateLimiter(OFFER_PACE);
  let paceTimer: ReturnType<typeof setTimeout> | undefined;
  let sending = Promise.resolve();

  const fail = (transfer: Transfer, state: Transfer["state"], error: string) => {
    files.delete(transfer.id);
    transfer.state = state;
    transfer.error = error;
    onChange(transfer);
    offerMore();
  };
  const waiting = () => [...files.values()].filter((f) => f.transfer.state === "offered").length;

  /** Offers the next queued files while the receiver has room and the pace allows. */
  function offerMore(): void {
    while (queued.length && waiting() < PEER_LIMITS.pendingOffers && !host.closed()) {
      if (!pace.take()) {
        clearTimeout(paceTimer);
        paceTimer = setTimeout(offerMore, 1000 / OFFER_PACE.perSecond);
        return;
      }
      const entry = files.get(queued.shift()!);
      if (!entry) continue;
      const { transfer } = entry;
      transfer.state = "offered";
      const { id, name, size, mime } = transfer;
      sendHeader({ type: "file.offer", id, name, size, mime });
      onChange(transfer);
    }
  }

  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        channel.removeEventListener("bufferedamountlow", done);
        channel.removeEventListener("close", done);
        resolve();
      };
      channel.addEventListener("bufferedamountlow", done);
      channel.addEventListener("close", done);
    });
  const gone = () => host.closed() || channel.readyState !== "open";

  const transmit = async (file: FileLike, transfer: Transfer) => {
    if (gone()) return fail(transfer, "failed", "The connection closed.");
    const bytes = await file.arrayBuffer();
    const sha256 = await sha256Hex(bytes);
    if (gone()) return fail(transfer, "failed", "The connection closed.");
    sendHeader({ type: "file.start", id: transfer.id });
    for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) {
      if (channel.bufferedAmount > HIGH_WATER) await drained();
      if (gone()) return fail(transfer, "failed", "The connection closed.");
      channel.send(bytes.slice(at, at + CHUNK_BYTES));
      const sent = Math.min(bytes.byteLength, at + CHUNK_BYTES) - channel.bufferedAmount;
      transfer.done = Math.max(transfer.done, sent);
      onChange(transfer);
    }
    sendHeader({ type: "file.end", id: transfer.id, sha256 });
  };

  return {
    offer(file, transfer) {
      files.set(transfer.id, { transfer, file });
      queued.push(transfer.id);
      onChange(transfer);
      offerMore();
    },
    header(header) {
      const entry = files.get(header.id);
      if (!entry) return;
      const { transfer, file } = entry;
      if (header.type === "file.accept" && transfer.state === "offered") {
        transfer.state = "sending";
        onChange(transfer);
        offerMore();
        sending = sending.then(() => transmit(file, transfer)).catch((error) =>
          fail(transfer, "failed", `It could not be sent (${(error as Error).message}).`)
        );
      } else if (header.type === "file.decline" && transfer.state === "offered") {
        fail(transfer, "declined", DECLINED[header.reason]);
      } else if (header.type === "file.result" && transfer.state === "sending") {
        if (!header.ok) return fail(transfer, "failed", "It did not arrive whole on their side.");
        files.delete(transfer.id);
        transfer.state = "delivered";
        transfer.done = transfer.size;
        onChange(transfer);
      }
    },
    close() {
      clearTimeout(paceTimer);
      queued.length = 0;
      for (const { transfer } of [...files.values()]) {
        fail(transfer, "failed", "The connection closed.");
      }
    },
  };
}
