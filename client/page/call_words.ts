/**
 * The words of the call page: media failures, the other person's absence, connection failures,
 * who is in the room. Plain strings from plain data, used by `call_view.ts`.
 *
 * @module
 */
import type { Unsupported } from "../../machines/call_types.ts";
import { kindName, type MediaFailure, type MediaKind } from "../../machines/media_types.ts";
import type { ConnectionFailure } from "../../machines/peer_types.ts";

/** "camera and microphone", "camera", ... */
function kinds(missing: MediaKind[]): string {
  return (["video", "audio"] as const).filter((k) => missing.includes(k)).map(kindName)
    .join(" and ");
}

/** The plain-words explanation of a media failure. */
export function mediaFailureText(failure: MediaFailure): string {
  const what = kinds(failure.missing);
  const plural = failure.missing.length > 1;
  switch (failure.reason) {
    case "denied":
      return `Parley isn't allowed to use your ${what}. Allow access in your browser's address bar, then try again.`;
    case "not-found":
      return `No ${what} ${plural ? "were" : "was"} found. Plug one in, then try again.`;
    case "in-use":
      return `Your ${what} ${
        plural ? "are" : "is"
      } in use by another app. Close it, then try again.`;
    case "insecure":
      return `This page can't use a ${what}: open it over https or on localhost.`;
    default:
      return `Your ${what} could not be started.`;
  }
}

/** A media failure's heading: what is missing, in a few words. */
export function mediaFailureTitle(failure: MediaFailure): string {
  const what = kinds(failure.missing);
  const name = what[0].toUpperCase() + what.slice(1);
  const plural = failure.missing.length > 1;
  switch (failure.reason) {
    case "denied":
      return `${name} blocked`;
    case "not-found":
      return `No ${what} found`;
    case "in-use":
      return `${name} ${plural ? "are" : "is"} busy`;
    default:
      return `${name} not available`;
  }
}

/** What a browser that cannot make a call is told: a heading and what to do. */
export const UNSUPPORTED: Record<Unsupported, { title: string; text: string }> = {
  webrtc: {
    title: "This browser can't make video calls",
    text:
      "It lacks WebRTC, which calls need. Open this link in a current Chrome, Firefox, Safari or Edge.",
  },
  insecure: {
    title: "This page isn't secure",
    text:
      "Browsers give the camera only to secure pages. Open the call with an https:// link (or on localhost).",
  },
  media: {
    title: "This browser can't use a camera",
    text: "Open this link in a current Chrome, Firefox, Safari or Edge.",
  },
};

/** The button that goes on with what could be captured. */
export function continueLabel(failure: MediaFailure, wants: Record<MediaKind, boolean>): string {
  const left = (["video", "audio"] as const).filter((k) =>
    wants[k] && !failure.missing.includes(k)
  );
  if (left.length === 0) return "Join without camera and microphone";
  return `Continue with ${kinds(left)} only`;
}

/** While a join the server refused as busy (`unavailable`) waits to be tried again. */
export const SERVER_BUSY = "The server is busy — trying again…";

/** What the page says when the other person is away or gone. */
export const PEER_ABSENCE: Record<string, string> = {
  "hang-up": "The other person hung up. You can wait here for them to come back.",
  timeout: "The other person left. You can wait here for them to come back.",
  closed: "The other person left or reloaded the page. Waiting for them to come back…",
  away: "The other person lost their connection. Waiting for them to come back…",
};

/** Why the browsers could not connect, and what would fix it. */
export const CONNECTION_FAILURE: Record<ConnectionFailure, string> = {
  "no-relay":
    "No connection could be made: your two networks block a direct path, and this Parley server has no relay (TURN) to go around them. Whoever runs it can add one: see docs/deploy.md in Parley's source.",
  "relay-refused":
    "No connection could be made, and this server's relay (TURN) refused Parley's credentials. Whoever runs this server should check that TURN_SECRET matches the relay's secret.",
  "no-path":
    "The connection to the other person failed. A firewall or network change may be in the way.",
  lost:
    "The connection to the other person failed. A firewall or network change may be in the way.",
  error:
    "The connection to the other person failed. A firewall or network change may be in the way.",
  unverifiable:
    "This connection cannot be verified, so it was not made: the other side's connection details named more than one security certificate, as someone listening in between would. Try again; if it happens again, the server or network in between may not be trustworthy.",
};

/** Who is in the room, before joining, in words (null while unknown). */
export function occupancy(members: number | null): string | null {
  if (members === null) return null;
  if (members === 0) return "No one else is here yet. Join, then send them the link.";
  if (members === 1) return "They are waiting for you.";
  return `${members} people are in the call.`;
}

/** Why a room is full, for a room of `capacity` (null: not known, a call of two). */
export function fullText(capacity: number | null): string {
  return capacity === null || capacity <= 2
    ? "Two people are already in this call."
    : `All ${capacity} places in this call are taken.`;
}
