/**
 * The receiving half of the file protocol (client/files/file_protocol.ts): an offer becomes a
 * question for the person ("Ada wants to send you report.pdf (2.1 MB)", Accept / Decline), and
 * only an accepted file's bytes are kept. What the other side may make this tab hold is bounded:
 * offers over {@linkcode PEER_LIMITS}`.offers` are dropped unanswered, more than
 * `pendingOffers` waiting at once are declined as busy, and an accepted file's bytes stop at the
 * size it announced. Bytes of no accepted file break the protocol (an honest sender never sends
 * them): they are dropped unread and the host closes the channel ({@linkcode ReceiverHost.breach}),
 * so a push of 100 MB costs this tab the few megabytes already on their way, not 100 MB of frames.
 *
 * A received file is a Blob of type `application/octet-stream` whatever type the sender named:
 * the page offers it as a download, never as a page of Parley's origin.
 *
 * @module
 */
import { PEER_LIMITS, rateLimiter } from "../effects/peer_limits.ts";
import { type Header, MAX_FILE_BYTES, sha256Hex } from "./file_protocol.ts";
import type { Transfer } from "./file_transfer.ts";

/** What the receiver shares with the rest of the file protocol on its channel. */
export interface ReceiverHost {
  sendHeader(header: Header): void;
  onChange(transfer: Transfer): void;
  /** The other side sent bytes nobody accepted: no more files from it on this channel. */
  breach(): void;
}

/** The receiving side of one channel. */
export interface FileReceiver {
  /** A header addressed to the receiving side (offer, start, end, cancel). */
  header(header: Header): void;
  /** A binary frame. */
  bytes(data: ArrayBuffer): void;
  accept(id: string): void;
  decline(id: string): void;
  /**
   * The channel closed: whatever is under way fails; offers go, or fail with `error` when it
   * was closed for a reason the person should read.
   */
  close(error?: string): void;
}

const NOT_WHOLE = "The file did not arrive whole, so it is not offered.";

/** The receiving side, speaking through `host`. */
export function fileReceiver(host: ReceiverHost): FileReceiver {
  const { sendHeader, onChange, breach } = host;
  /** Offered (waiting for the person) or accepted (waiting for or receiving bytes). */
  const known = new Map<string, Transfer>();
  const offerLimit = rateLimiter(PEER_LIMITS.offers);
  let incoming: { transfer: Transfer; parts: ArrayBuffer[] } | null = null;

  const pending = () => [...known.values()].filter((t) => t.state === "offered").length;
  const end = (transfer: Transfer, state: Transfer["state"], error?: string) => {
    known.delete(transfer.id);
    if (incoming?.transfer === transfer) incoming = null;
    transfer.state = state;
    if (error) transfer.error = error;
    onChange(transfer);
  };

  const finish = async (sha256: string) => {
    const { transfer, parts } = incoming!;
    incoming = null;
    known.delete(transfer.id);
    let ok = transfer.done === transfer.size;
    let blob: Blob | undefined;
    if (ok) {
      blob = new Blob(parts, { type: "application/octet-stream" });
      ok = (await sha256Hex(await blob.arrayBuffer())) === sha256;
    }
    sendHeader({ type: "file.result", id: transfer.id, ok });
    if (!ok) return end(transfer, "failed", NOT_WHOLE);
    transfer.blob = blob;
    end(transfer, "received");
  };

  const offer = (header: Extract<Header, { type: "file.offer" }>) => {
    if (known.has(header.id) || !offerLimit.take()) return;
    if (header.size > MAX_FILE_BYTES) {
      return sendHeader({ type: "file.decline", id: header.id, reason: "too-large" });
    }
    if (pending() >= PEER_LIMITS.pendingOffers) {
      return sendHeader({ type: "file.decline", id: header.id, reason: "busy" });
    }
    const transfer: Transfer = {
      id: header.id,
      direction: "in",
      name: header.name,
      size: header.size,
      mime: header.mime,
      done: 0,
      state: "offered",
    };
    known.set(transfer.id, transfer);
    onChange(transfer);
  };

  return {
    header(header) {
      const transfer = known.get(header.id);
      switch (header.type) {
        case "file.offer":
          return offer(header);
        case "file.start":
          if (transfer?.state !== "receiving" || incoming?.transfer === transfer) return;
          if (incoming) end(incoming.transfer, "failed", NOT_WHOLE);
          incoming = { transfer, parts: [] };
          return;
        case "file.end":
          if (incoming && incoming.transfer.id === header.id) void finish(header.sha256);
          return;
        case "file.cancel":
          if (transfer?.state === "offered") end(transfer, "withdrawn");
          else if (transfer) end(transfer, "failed", "They stopped sending this file.");
          return;
      }
    },
    bytes(data) {
      if (!incoming) return breach(); // Bytes of no accepted file: dropped unread.
      const { transfer } = incoming;
      transfer.done += data.byteLength;
      if (transfer.done > transfer.size) {
        sendHeader({ type: "file.result", id: transfer.id, ok: false });
        return end(transfer, "failed", "More arrived than the file's size: it is not offered.");
      }
      incoming.parts.push(data);
      onChange(transfer);
    },
    accept(id) {
      const transfer = known.get(id);
      if (transfer?.state !== "offered") return;
      transfer.state = "receiving";
      sendHeader({ type: "file.accept", id });
      onChange(transfer);
    },
    decline(id) {
      const transfer = known.get(id);
      if (transfer?.state !== "offered") return;
      sendHeader({ type: "file.decline", id, reason: "declined" });
      end(transfer, "declined");
    },
    close(error) {
      for (const transfer of [...known.values()]) {
        if (transfer.state !== "offered") end(transfer, "failed", error ?? NOT_WHOLE);
        else if (error) end(transfer, "failed", error);
        else end(transfer, "withdrawn");
      }
      incoming = null;
    },
  };
}
