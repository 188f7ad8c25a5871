/**
 * What a file card says: where a transfer stands, in plain words, and the question an offer
 * asks ("Ada wants to send you report.pdf (2.1 MB)"). Pure, so a view draws it as it likes
 * (the name and file name isolated, so right-to-left text cannot reorder the sentence).
 *
 * @module
 */
import { sizeWords } from "./file_protocol.ts";
import type { Transfer } from "./file_transfer.ts";

/** The card's status line. */
export function transferStatus(transfer: Transfer): string {
  const percent = transfer.size ? Math.floor((transfer.done / transfer.size) * 100) : 100;
  const incoming = transfer.direction === "in";
  switch (transfer.state) {
    case "queued":
      return "Waiting to offer it…";
    case "offered":
      return incoming ? "Accept to receive it" : "Waiting for them to accept…";
    case "sending":
      return `Sending… ${percent}%`;
    case "receiving":
      return transfer.done ? `Receiving… ${percent}%` : "Accepted: waiting for it…";
    case "delivered":
      return "Delivered";
    case "received":
      return "Received";
    case "declined":
      return incoming ? "You declined it." : transfer.error ?? "They declined this file.";
    case "failed":
      return transfer.error ?? "Failed";
    case "withdrawn":
      return "They took the offer back.";
  }
}

/** The parts of an offer's question: who, " wants to send you ", what, " (how large)". */
export interface OfferQuestion {
  who: string;
  wants: string;
  file: string;
  size: string;
}

/** The question an incoming offer asks; `theirName` is "" when they gave none. */
export function offerQuestion(transfer: Transfer, theirName: string): OfferQuestion {
  return {
    who: theirName || "They",
    wants: theirName ? " wants to send you " : " want to send you ",
    file: transfer.name,
    size: ` (${sizeWords(transfer.size)})`,
  };
}

/** The question as one sentence: "Ada wants to send you report.pdf (2.1 MB)". */
export function offerSentence(question: OfferQuestion): string {
  return question.who + question.wants + question.file + question.size;
}
