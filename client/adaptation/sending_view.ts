/**
 * What Parley did to keep the call going, in plain words, for each side: "Video paused to keep
 * your voice clear", "Their video is paused: their connection is weak", a picture lowered, one
 * coming back, data saver. From this side's adaptation (`adaptation.ts`) and what
 * the other side says about its own, over the call's control channel; the quality indicator shows
 * these lines before its own.
 *
 * What arrives is untrusted: anything but the expected shape is dropped.
 *
 * Pure: tests feed it states and read the words.
 *
 * @module
 */
import type { SendingState } from "./adaptation.ts";
import type { PeerMessage } from "../effects/peer_messages.ts";

/** What can be said about a picture. */
export type SendingLineId =
  | "videoPaused"
  | "theirVideoPaused"
  | "videoLowered"
  | "theirVideoLowered"
  | "videoRecovering"
  | "theirVideoRecovering"
  | "dataSaver"
  | "theirDataSaver";

/** One line of the indicator: `warning` when the call is poorer for it, else `info`. */
export interface SendingLine {
  id: SendingLineId;
  text: string;
  severity: "warning" | "info";
}

/** The words for each line. */
export const SENDING_LINES: Readonly<Record<SendingLineId, SendingLine>> = {
  videoPaused: {
    id: "videoPaused",
    text: "Video paused to keep your voice clear",
    severity: "warning",
  },
  theirVideoPaused: {
    id: "theirVideoPaused",
    text: "Their video is paused: their connection is weak",
    severity: "warning",
  },
  videoLowered: {
    id: "videoLowered",
    text: "Your video is sent smaller: your connection is slow",
    severity: "warning",
  },
  theirVideoLowered: {
    id: "theirVideoLowered",
    text: "Their video is smaller: their connection is slow",
    severity: "warning",
  },
  videoRecovering: {
    id: "videoRecovering",
    text: "Your connection is better: your video is coming back",
    severity: "info",
  },
  theirVideoRecovering: {
    id: "theirVideoRecovering",
    text: "Their connection is better: their video is coming back",
    severity: "info",
  },
  dataSaver: { id: "dataSaver", text: "Data saver: your video is sent small", severity: "info" },
  theirDataSaver: {
    id: "theirDataSaver",
    text: "Their video is small: they use data saver",
    severity: "info",
  },
};

function lineFor(state: SendingState | null, mine: boolean): SendingLine | null {
  const id = (name: string) => (mine ? name : `their${name[0].toUpperCase()}${name.slice(1)}`);
  if (!state) return null;
  if (state.video === "paused") return SENDING_LINES[id("videoPaused") as SendingLineId];
  if (state.video !== "lowered") return null;
  if (state.reason === "saver") return SENDING_LINES[id("dataSaver") as SendingLineId];
  return SENDING_LINES[id(state.recovering ? "videoRecovering" : "videoLowered") as SendingLineId];
}

/** The lines for this side's picture (`mine`) and theirs, warnings first. */
export function sendingLines(
  mine: SendingState | null,
  theirs: SendingState | null,
): SendingLine[] {
  const lines = [lineFor(theirs, false), lineFor(mine, true)].filter((line) => line !== null);
  return lines.sort((a, b) => Number(a.severity === "info") - Number(b.severity === "info"));
}

/**
 * What to say of a picture that goes `now`, when what was said of it last is `before`: one
 * climbing back is said to be coming back only after it was said to be lowered by the network or
 * paused. A picture lowered while the browser's estimate was still ramping up at the start of a
 * call (not said: the estimate starts low and may dip on any link) that climbs back after it says
 * nothing: "Their video is coming back" would tell of a weak connection no one had been told of.
 */
export function toldState(before: SendingState | null, now: SendingState): SendingState {
  const climbing = now.video === "lowered" && now.reason === "network" && now.recovering;
  const said = before?.video === "paused" ||
    (before?.video === "lowered" && before.reason === "network");
  return climbing && !said ? { video: "full", reason: null, recovering: false } : now;
}

/** The message that tells the other side how this side's picture goes. */
export function sendingMessage(state: SendingState): PeerMessage {
  return { type: "sending", ...state };
}

const VIDEO = ["full", "lowered", "paused", "off"];
const REASON = ["network", "saver", null];

/** `message` as the other side's {@linkcode SendingState}, or null when it is not one. */
export function readSending(message: PeerMessage): SendingState | null {
  const { video, reason, recovering } = message;
  if (!VIDEO.includes(video as string) || !REASON.includes(reason as string | null)) return null;
  if (typeof recovering !== "boolean") return null;
  return { video, reason, recovering } as SendingState;
}
