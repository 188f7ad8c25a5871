/**
 * Files between the two people over the call's `files` data channel (peer to peer, reliable and
 * ordered), one file at a time each way.
 *
 * The protocol on that channel: text frames are JSON, binary frames are the current file's bytes.
 * - `{ type: "file.offer", id, name, size, mime, sha256 }`: a file follows (sha256 in hex of the
 *   whole file, computed before the first byte is sent);
 * - then the bytes, in binary frames of at most {@linkcode CHUNK_BYTES};
 * - `{ type: "file.end", id }`: all bytes were sent; the receiver checks count and hash;
 * - `{ type: "file.cancel", id }`: the sender gave up (the rest will not come);
 * - `{ type: "file.result", id, ok }`: the receiver's answer, so the sender can say "delivered".
 *
 * The sender keeps the channel's buffer under {@linkcode HIGH_WATER} bytes, waiting for
 * `bufferedamountlow` (at {@linkcode LOW_WATER}) before it sends more: a fast sender never piles a
 * whole file into memory or stalls the control messages. A file over {@linkcode MAX_FILE_BYTES}
 * is refused before anything is sent, and a receiver refuses an offer over it too. A file is
 * offered for saving only when exactly `size` bytes arrived and their SHA-256 is the sender's;
 * everything else (a wrong hash, bytes missing or extra, the channel closing) is a failure.
 *
 * @module
 */

/** Bytes per binary frame (16 KiB crosses every browser's data channel message limit safely). */
export const CHUNK_BYTES = 16 * 1024;
/** The largest file sent or accepted. */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** The sender waits when this much is buffered in the channel... */
export const HIGH_WATER = 1024 * 1024;
/** ...until it drains to this. */
export const LOW_WATER = 256 * 1024;
/** The longest file name kept (longer ones are cut). */
const MAX_NAME = 200;

/** The part of an `RTCDataChannel` this uses (tests pass an in-memory pair). */
export interface FileChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  send(data: string | ArrayBuffer): void;
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

/** One transfer, either way, as the page shows it. */
export interface Transfer {
  id: string;
  direction: "out" | "in";
  name: string;
  size: number;
  mime: string;
  /** Bytes sent (out, as they left the buffer) or received (in). */
  done: number;
  state: "sending" | "receiving" | "delivered" | "received" | "failed";
  /** Why it failed, in plain words. */
  error?: string;
  /** The received file, only once every byte arrived and the hash matched. */
  blob?: Blob;
}

/** The error for a file over the limit, in plain words. */
export function tooLarge(size: number): string {
  return `This file is ${megabytes(size)}; files up to ${megabytes(MAX_FILE_BYTES)} can be sent.`;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** SHA-256 of `bytes`, in hex. */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

type Header =
  | { type: "file.offer"; id: string; name: string; size: number; mime: string; sha256: string }
  | { type: "file.end"; id: string }
  | { type: "file.cancel"; id: string }
  | { type: "file.result"; id: string; ok: boolean };

/** A header from a text frame, or null when it is not a valid one (untrusted input). */
export function parseHeader(text: string): Header | null {
  if (text.length > 4096) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || typeof value.id !== "string") return null;
  if (value.id.length === 0 || value.id.length > 64) return null;
  const id = value.id;
  switch (value.type) {
    case "file.offer": {
      const { name, size, mime, sha256 } = value;
      if (typeof name !== "string" || typeof mime !== "string") return null;
      if (!Number.isSafeInteger(size) || (size as number) < 0) return null;
      if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) return null;
      return {
        type: "file.offer",
        id,
        name: name.slice(0, MAX_NAME) || "file",
        size: size as number,
        mime: mime.slice(0, 100),
        sha256,
      };
    }
    case "file.end":
    case "file.cancel":
      return { type: value.type, id };
    case "file.result":
      return typeof value.ok === "boolean" ? { type: "file.result", id, ok: value.ok } : null;
    default:
      return null;
  }
}

/** Options for {@linkcode fileTransfers}. */
export interface FileTransferOptions {
  /** Called whenever a transfer changes (progress, done, failed). */
  onChange: (transfer: Transfer) => void;
  /** Makes the received file (the browser's Blob by default). */
  makeBlob?: (parts: ArrayBuffer[], mime: string) => Blob;
}

/** Sending and receiving files on one channel. */
export interface FileTransfers {
  /** Sends `file` after those queued before it; refuses at once one over the limit. */
  send(file: FileLike): Transfer;
  /** Stops listening; a transfer under way fails. */
  close(): void;
}

/** Speaks the file protocol on `channel`. */
export function fileTransfers(channel: FileChannel, options: FileTransferOptions): FileTransfers {
  const { onChange } = options;
  const makeBlob = options.makeBlob ?? ((parts, mime) => new Blob(parts, { type: mime }));
  const sending = new Map<string, Transfer>();
  let queue = Promise.resolve();
  let incoming: { transfer: Transfer; sha256: string; parts: ArrayBuffer[] } | null = null;
  let closed = false;
  channel.bufferedAmountLowThreshold = LOW_WATER;

  const fail = (transfer: Transfer, error: string) => {
    if (transfer.state === "failed") return;
    transfer.state = "failed";
    transfer.error = error;
    onChange(transfer);
  };
  const sendHeader = (header: Header) => {
    if (channel.readyState === "open") channel.send(JSON.stringify(header));
  };

  const finishIncoming = async () => {
    const current = incoming!;
    incoming = null;
    const { transfer } = current;
    let ok = transfer.done === transfer.size;
    if (ok) {
      const whole = new Uint8Array(transfer.size);
      let at = 0;
      for (const part of current.parts) {
        whole.set(new Uint8Array(part), at);
        at += part.byteLength;
      }
      ok = (await sha256Hex(whole.buffer)) === current.sha256;
    }
    sendHeader({ type: "file.result", id: transfer.id, ok });
    if (!ok) return fail(transfer, "The file did not arrive whole, so it is not offered.");
    transfer.state = "received";
    transfer.blob = makeBlob(current.parts, transfer.mime);
    onChange(transfer);
  };

  const onMessage = (event: Event) => {
    const data = (event as MessageEvent).data;
    if (data instanceof ArrayBuffer) {
      if (!incoming) return; // Bytes of no file (one we refused): dropped.
      const { transfer } = incoming;
      transfer.done += data.byteLength;
      if (transfer.done > transfer.size) {
        incoming = null;
        return fail(transfer, "More arrived than the file's size: it is not offered.");
      }
      incoming.parts.push(data);
      onChange(transfer);
      return;
    }
    if (typeof data !== "string") return;
    const header = parseHeader(data);
    if (!header) return;
    if (header.type === "file.offer") {
      if (incoming) fail(incoming.transfer, "The file did not arrive whole, so it is not offered.");
      const transfer: Transfer = {
        id: header.id,
        direction: "in",
        name: header.name,
        size: header.size,
        mime: header.mime,
        done: 0,
        state: "receiving",
      };
      if (header.size > MAX_FILE_BYTES) {
        incoming = null;
        sendHeader({ type: "file.result", id: header.id, ok: false });
        return fail(transfer, tooLarge(header.size));
      }
      incoming = { transfer, sha256: header.sha256, parts: [] };
      onChange(transfer);
    } else if (header.type === "file.end" && incoming?.transfer.id === header.id) {
      void finishIncoming();
    } else if (header.type === "file.cancel" && incoming?.transfer.id === header.id) {
      const { transfer } = incoming;
      incoming = null;
      fail(transfer, "They stopped sending this file.");
    } else if (header.type === "file.result") {
      const transfer = sending.get(header.id);
      if (!transfer) return;
      sending.delete(header.id);
      if (header.ok) {
        transfer.state = "delivered";
        transfer.done = transfer.size;
        onChange(transfer);
      } else fail(transfer, "It did not arrive whole on their side.");
    }
  };
  const onClose = () => {
    if (incoming) fail(incoming.transfer, "The file did not arrive whole, so it is not offered.");
    incoming = null;
    for (const transfer of sending.values()) fail(transfer, "The connection closed.");
  };
  channel.addEventListener("message", onMessage);
  channel.addEventListener("close", onClose);

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

  const transmit = async (file: FileLike, transfer: Transfer) => {
    const bytes = await file.arrayBuffer();
    const sha256 = await sha256Hex(bytes);
    if (closed || channel.readyState !== "open") return fail(transfer, "The connection closed.");
    sendHeader({ ...headerOf(transfer), sha256 });
    for (let at = 0; at < bytes.byteLength; at += CHUNK_BYTES) {
      if (channel.bufferedAmount > HIGH_WATER) await drained();
      if (closed || channel.readyState !== "open") return fail(transfer, "The connection closed.");
      channel.send(bytes.slice(at, at + CHUNK_BYTES));
      const sent = Math.min(bytes.byteLength, at + CHUNK_BYTES) - channel.bufferedAmount;
      transfer.done = Math.max(transfer.done, sent);
      onChange(transfer);
    }
    sendHeader({ type: "file.end", id: transfer.id });
  };

  return {
    send(file) {
      const transfer: Transfer = {
        id: crypto.randomUUID(),
        direction: "out",
        name: file.name.slice(0, MAX_NAME) || "file",
        size: file.size,
        mime: file.type || "application/octet-stream",
        done: 0,
        state: "sending",
      };
      if (file.size > MAX_FILE_BYTES) {
        fail(transfer, tooLarge(file.size));
        return transfer;
      }
      sending.set(transfer.id, transfer);
      onChange(transfer);
      queue = queue.then(() => transmit(file, transfer)).catch((error) =>
        fail(transfer, `It could not be sent (${(error as Error).message}).`)
      );
      return transfer;
    },
    close() {
      closed = true;
      channel.removeEventListener("message", onMessage);
      channel.removeEventListener("close", onClose);
      onClose();
    },
  };
}

function headerOf(transfer: Transfer) {
  return {
    type: "file.offer" as const,
    id: transfer.id,
    name: transfer.name,
    size: transfer.size,
    mime: transfer.mime,
  };
}
