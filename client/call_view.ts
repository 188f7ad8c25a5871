/**
 * What the call page shows for a snapshot of the call machine: the words, the buttons, which
 * screen. A pure function of the snapshot, so the wording is tested without a browser.
 *
 * @module
 */
import type { SnapshotFrom } from "xstate";
import type { callMachine, MediaFailure, MediaKind } from "../machines/call_machine.ts";

/** A button the page can offer, and the machine event it sends. */
export interface ViewAction {
  label: string;
  event: "user.continue" | "user.retry" | "user.hangUp" | "user.join" | "newCall";
}

/** Everything the page needs to render. */
export interface CallView {
  /** Which screen: the pre-join screen, the call, or a message. */
  screen: "prejoin" | "call" | "message";
  /** One line telling what is happening now. */
  status: string;
  /** A problem and the ways forward, shown prominently. */
  alert: { text: string; actions: ViewAction[] } | null;
  /** A banner that does not interrupt (reconnecting, the other person away). */
  notice: string | null;
  canJoin: boolean;
  inCall: boolean;
  connected: boolean;
  micOn: boolean;
  cameraOn: boolean;
  hasAudio: boolean;
  hasVideo: boolean;
  /** No microphone track, but pressing the switch can start one now (in the call). */
  canAddAudio: boolean;
  /** No camera track, but pressing the switch can start one now (in the call). */
  canAddVideo: boolean;
}

type CallSnapshot = SnapshotFrom<typeof callMachine>;

const KIND_WORDS: Record<MediaKind, string> = { audio: "microphone", video: "camera" };

/** "camera and microphone", "camera", ... */
function kinds(missing: MediaKind[]): string {
  return (["video", "audio"] as const).filter((k) => missing.includes(k)).map((k) => KIND_WORDS[k])
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

function continueLabel(failure: MediaFailure, wants: Record<MediaKind, boolean>): string {
  const left = (["video", "audio"] as const).filter((k) =>
    wants[k] && !failure.missing.includes(k)
  );
  if (left.length === 0) return "Join without camera and microphone";
  return `Continue with ${kinds(left)} only`;
}

const PEER_ABSENCE: Record<string, string> = {
  "hang-up": "The other person hung up. You can wait here for them to come back.",
  timeout: "The other person left. You can wait here for them to come back.",
  closed: "The other person left or reloaded the page. Waiting for them to come back…",
  away: "The other person lost their connection. Waiting for them to come back…",
};

/** The view for a snapshot. */
export function callView(snapshot: CallSnapshot): CallView {
  const { context } = snapshot;
  const tracks = context.stream?.getTracks() ?? [];
  const base = {
    alert: null,
    notice: null,
    canJoin: false,
    inCall: false,
    connected: false,
    micOn: context.micOn,
    cameraOn: context.cameraOn,
    hasAudio: tracks.some((t) => t.kind === "audio"),
    hasVideo: tracks.some((t) => t.kind === "video"),
    canAddAudio: false,
    canAddVideo: false,
  };
  const retry = (label = "Retry"): ViewAction => ({ label, event: "user.retry" });
  const newCall: ViewAction = { label: "Start a new call", event: "newCall" };

  if (snapshot.matches("idle") || snapshot.matches("capturing")) {
    return { ...base, screen: "prejoin", status: "Starting your camera and microphone…" };
  }
  if (snapshot.matches("mediaBlocked")) {
    const failure = context.mediaFailure!;
    return {
      ...base,
      screen: "prejoin",
      status: "Your camera or microphone is not available.",
      alert: {
        text: mediaFailureText(failure),
        actions: [retry("Try again"), {
          label: continueLabel(failure, context.wants),
          event: "user.continue",
        }],
      },
    };
  }
  if (snapshot.matches("ready")) {
    const receiveOnly = !base.hasAudio && !base.hasVideo;
    return {
      ...base,
      screen: "prejoin",
      status: receiveOnly
        ? "Ready to join. They will not see or hear you."
        : "Ready to join. Check your camera and microphone, then join.",
      canJoin: true,
    };
  }
  if (snapshot.matches({ session: "leaving" })) {
    return { ...base, screen: "call", status: "Hanging up…" };
  }
  if (snapshot.matches("session")) {
    const reconnecting = snapshot.matches({ session: { active: { server: "reconnecting" } } });
    const adding = snapshot.matches({ session: { active: { media: "adding" } } });
    const mediaNotice = adding
      ? `Starting your ${context.turningOn === "audio" ? "microphone" : "camera"}…`
      : snapshot.matches({ session: { active: { media: "refused" } } }) && context.mediaFailure
      ? mediaFailureText(context.mediaFailure)
      : null;
    const notice = reconnecting
      ? "Lost the connection to the Parley server. Reconnecting… your call continues."
      : mediaNotice;
    const inCall = {
      ...base,
      screen: "call" as const,
      inCall: true,
      canAddAudio: !base.hasAudio && !adding,
      canAddVideo: !base.hasVideo && !adding,
    };
    if (snapshot.matches({ session: { active: { room: "joining" } } })) {
      return { ...inCall, status: "Joining the room…", notice };
    }
    if (snapshot.matches({ session: { active: { room: "waiting" } } })) {
      const absence = context.peerAbsence ? PEER_ABSENCE[context.peerAbsence] : null;
      return {
        ...inCall,
        status: absence ?? "Waiting for the other person. Send them the invite link.",
        notice,
      };
    }
    const at = (state: "connected" | "unstable" | "recovering") =>
      snapshot.matches({ session: { active: { room: { call: { link: state } } } } });
    const away = context.peerAbsence === "away"
      ? "The other person's connection to the server dropped. Your call continues."
      : null;
    if (at("connected")) {
      return {
        ...inCall,
        status: "Connected.",
        connected: true,
        notice: notice ?? away,
      };
    }
    if (at("unstable") || at("recovering")) {
      return {
        ...inCall,
        status: "The connection was interrupted. Reconnecting…",
        notice: notice ?? away,
      };
    }
    return { ...inCall, status: "Connecting to the other person…", notice };
  }
  const message = { ...base, screen: "message" as const };
  if (snapshot.matches("roomFull")) {
    return {
      ...message,
      status: "This room is full.",
      alert: {
        text: "This room is full. Two people are already in this call.",
        actions: [retry("Try again"), newCall],
      },
    };
  }
  if (snapshot.matches("unreachable")) {
    return {
      ...message,
      status: "Can't reach the Parley server.",
      alert: {
        text: "Can't reach the Parley server. Check your internet connection, then retry.",
        actions: [retry(), newCall],
      },
    };
  }
  if (snapshot.matches("rejected")) {
    const failure = context.failure;
    const text = failure?.kind === "rejected" ? failure.error.message : "The server said no.";
    return { ...message, status: text, alert: { text, actions: [retry(), newCall] } };
  }
  if (snapshot.matches("failed")) {
    return {
      ...message,
      status: "The connection failed.",
      alert: {
        text:
          "The connection to the other person failed. A firewall or network change may be in the way.",
        actions: [retry(), { label: "Hang up", event: "user.hangUp" }],
      },
    };
  }
  return {
    ...message,
    status: "You left the call.",
    alert: { text: "You left the call.", actions: [retry("Rejoin"), newCall] },
  };
}
