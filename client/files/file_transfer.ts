/**
 * Files between the two people over the call's `files` data channel, peer to peer: offered
 * first, sent only once the other person accepted, one file at a time each way. The protocol is
 * in `file_protocol.ts`; the two halves in `file_sender.ts` and `file_receiver.ts`.
 *
 * A file over {@linkcode MAX_FILE_BYTES} is refused before anything is sent, and a receiver
 * declines an offer over it too. A file is offered for saving only when exactly `size` bytes
 * arrived and their SHA-256 is the sender's; everything else (a wrong hash, bytes missing or
 * extra, the channel closing) is a failure. Text frames over {@linkcode PEER_LIMITS}`.fileFrames`
 * are dropped before they are read. Every limit is this channel's, so one remote person's. A side
 * that sends bytes nobody accepted is not a Parley page speaking the protocol: the channel is
 * closed, so files between the two stop until the call reconnects ({@linkcode BREACH}).
 *
 * @module
 */
import { PEER_LIMITS, rateLimiter } from "../effects/peer_limits.ts";
import { fileName } from "../text/safe_text.ts";
import { type Header, LOW_WATER, MAX_FILE_BYTES, parseHeader, tooLarge } from "./file_protocol.ts";
import { fileReceiver } from "./file_receiver.ts";
import { fileSender } from "./file_sender.ts";

export {
  CHUNK_BYTES,
  HIGH_WATER,
  LOW_WATER,
  MAX_FILE_BYTES,
  parseHeader,
  sizeWords,
  tooLarge,
} from "./file_protocol.ts";

/** The part of an `RTCDataChannel` this uses (tests pass an in-memory pair). */
export interface FileChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: string | ArrayBuffer): void;
  close(): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/** A file as far as sending goes (a `File` fits). */
export interface FileLike {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Where a transfer stands. Out: `queued` (not offered yet: others wait for an answer),
 * `offered` (waiting for them to accept), `sending`, then `delivered`, `declined` or `failed`.
 * In: `offered` (asking the person), `receiving` (accepted), then `received`, `declined` (by the
 * person), `failed`, or `withdrawn` (the sender took the offer back: nothing to show).
 */
export type TransferState =
  | "queued"
  | "offered"
  | "sending"
  | "receiving"
  | "delivered"
  | "received"
  | "declined"
  | "failed"
  | "withdrawn";

/** One transfer, either way, as the page shows it. */
export interface Transfer {
  id: string;
  direction: "out" | "in";
  /** Safe to show and to save as (`fileName` of client/text/safe_text.ts). */
  name: string;
  size: number;
  /** The type the sender named (information only: a received file is always a download). */
  mime: string;
  /** Bytes sent (out, as they left the buffer) or received (in). */
  done: number;
  state: TransferState;
  /** Why it failed or was declined, in plain words. */
  error?: string;
  /** The received file (`application/octet-stream`), once every byte arrived and matched. */
  blob?: Blob;
}

/** Whether `transfer` has come to an end (nothing more will happen to it). */
export function finished(transfer: Transfer): boolean {
  return ["delivered", "received", "declined", "failed", "withdrawn"].includes(transfer.state);
}

/** Options for {@linkcode fileTransfers}. */
export interface FileTransferOptions {
  /** Called whenever a transfer changes (offered, progress, done, failed). */
  onChange: (transfer: Transfer) => void;
}

/** Sending and receiving files on one channel. */
export interface FileTransfers {
  /** Offers `file` after those queued before it; refuses at once one over the limit. */
  send(file: FileLike): Transfer;
  /** The person accepts the incoming offer `id`: its bytes may come now. */
  accept(id: string): void;
  /** The person declines the incoming offer `id`. */
  decline(id: string): void;
  /** Stops listening; a transfer under way fails. */
  close(): void;
}

/** What a file card says when the other side pushed bytes nobody accepted. */
export const BREACH =
  "Their page sent a file you had not accepted: files from them are off until the call reconnects.";

/** Speaks the file protocol on `channel`. */
export function fileTransfers(channel: FileChannel, options: FileTransferOptions): FileTransfers {
  const { onChange } = options;
  let closed = false;
  const frames = rateLimiter(PEER_LIMITS.fileFrames);
  const sendHeader = (header: Header) => {
    if (channel.readyState === "open") channel.send(JSON.stringify(header));
  };
  const breach = () => {
    // Nothing more of theirs is read (frames already queued included); the channel goes.
    channel.removeEventListener("message", onMessage);
    receiver.close(BREACH);
    channel.close();
  };
  const receiver = fileReceiver({ sendHeader, onChange, breach });
  const sender = fileSender({ channel, sendHeader, onChange, closed: () => closed });
  channel.bufferedAmountLowThreshold = LOW_WATER;

  const onMessage = (event: Event) => {
    const data = (event as MessageEvent).data;
    if (data instanceof ArrayBuffer) return receiver.bytes(data);
    if (typeof data !== "string" || !frames.take()) return;
    const header = parseHeader(data);
    if (!header) return;
    const toSender = ["file.accept", "file.decline", "file.result"].includes(header.type);
    (toSender ? sender : receiver).header(header);
  };
  const onClose = () => {
    receiver.close();
    sender.close();
  };
  channel.addEventListener("message", onMessage);
  channel.addEventListener("close", onClose);

  return {
    send(file) {
      const transfer: Transfer = {
        id: crypto.randomUUID(),
        direction: "out",
        name: fileName(file.name),
        size: file.size,
        mime: file.type || "application/octet-stream",
        done: 0,
        state: "queued",
      };
      if (file.size > MAX_FILE_BYTES) {
        transfer.state = "failed";
        transfer.error = tooLarge(file.size);
        onChange(transfer);
        return transfer;
      }
      sender.offer(file, transfer);
      return transfer;
    },
    accept: (id) => receiver.accept(id),
    decline: (id) => receiver.decline(id),
    close() {
      closed = true;
      channel.removeEventListener("message", onMessage);
      channel.removeEventListener("close", onClose);
      onClose();
    },
  };
}
