/**
 * What the call page shows for a snapshot of the call machine and its children: the words, the
 * buttons, which screen. A pure function of the snapshots, so the wording is tested without a
 * browser (tests/client/call_view_test.ts).
 *
 * @module
 */
import type { AnyActorRef, SnapshotFrom } from "xstate";
import type { callMachine } from "../../machines/call_machine.ts";
import { hasKind } from "../../machines/media_types.ts";
import {
  CONNECTION_FAILURE,
  continueLabel,
  fullText,
  mediaFailureText,
  mediaFailureTitle,
  occupancy,
  PEER_ABSENCE,
  SERVER_BUSY,
  UNSUPPORTED,
} from "./call_words.ts";
import type { linkMachine } from "../../machines/link_machine.ts";
import type { negotiationMachine } from "../../machines/negotiation_machine.ts";
import type { sessionMachine } from "../../machines/session_machine.ts";
import type { CallView, ViewAction } from "./view_types.ts";

export type { Alert, AlertKind, CallView, ViewAction } from "./view_types.ts";

type CallSnapshot = SnapshotFrom<typeof callMachine>;
type SessionSnapshot = SnapshotFrom<typeof sessionMachine>;
type NegotiationSnapshot = SnapshotFrom<typeof negotiationMachine>;
type LinkSnapshot = SnapshotFrom<typeof linkMachine>;

/** The call's snapshot with those of the children running now. */
export interface CallSnapshots {
  call: CallSnapshot;
  session: SessionSnapshot | null;
  /** The first person's negotiation and link, if one runs (the other person, in a call of two). */
  negotiation: NegotiationSnapshot | null;
  link: LinkSnapshot | null;
}

function child<T>(snapshot: { children: Record<string, AnyActorRef | undefined> }, id: string) {
  return (snapshot.children[id]?.getSnapshot() ?? null) as T | null;
}

/** The snapshots of a call and of the children it runs now. */
export function callSnapshots(call: CallSnapshot): CallSnapshots {
  const children = (s: unknown) => s as { children: Record<string, AnyActorRef | undefined> };
  const session = child<SessionSnapshot>(children(call), "session");
  const id = session?.context.peers.find((entry) => entry.negotiation)?.negotiation;
  const negotiation = session && id ? child<NegotiationSnapshot>(children(session), id) : null;
  const link = negotiation ? child<LinkSnapshot>(children(negotiation), "link") : null;
  return { call, session, negotiation, link };
}

/** The view for a call's snapshot (its children's are read from it). */
export function callView(snapshot: CallSnapshot): CallView {
  const view = viewOf(snapshot);
  // A card's title is the screen's heading.
  return view.alert ? { ...view, heading: view.alert.title } : view;
}

function viewOf(snapshot: CallSnapshot): CallView {
  const { session, link } = callSnapshots(snapshot);
  const { context } = snapshot;
  const base = {
    heading: "Get ready to join",
    alert: null,
    notice: null,
    canJoin: false,
    inCall: false,
    connected: false,
    micOn: context.micOn,
    cameraOn: context.cameraOn,
    hasAudio: hasKind(context.stream, "audio"),
    hasVideo: hasKind(context.stream, "video"),
    canAddAudio: false,
    canAddVideo: false,
    canHideAddress: false,
    hideAddress: context.hideAddress,
    occupancy: null,
    group: (context.roomCapacity ?? 2) > 2,
    waiting: false,
    peer: "none" as const,
    absence: null,
    sharing: snapshot.hasTag("sharing"),
    focus: null,
  };
  const retry = (label = "Retry"): ViewAction => ({ label, event: "user.retry" });
  const newCall: ViewAction = { label: "Start a new call", event: "newCall" };

  const preJoin = (state: "checking" | "full" | "capturing" | "ready" | "mediaBlocked") =>
    snapshot.matches({ live: { preJoin: state } });
  if (context.unsupported) {
    const { title, text } = UNSUPPORTED[context.unsupported];
    return {
      ...base,
      heading: title,
      focus: "alert",
      screen: "message",
      status: `${title}. ${text}`,
      alert: {
        kind: "unsupported",
        title,
        text,
        actions: [{ label: "Copy link", event: "copyLink" }],
      },
    };
  }
  if (snapshot.matches("idle") || preJoin("checking") || preJoin("capturing")) {
    return {
      ...base,
      screen: "prejoin",
      status: "Starting your camera and microphone…",
      occupancy: occupancy(context.roomMembers),
    };
  }
  if (preJoin("full")) {
    return {
      ...base,
      heading: "This room is full",
      focus: "alert",
      screen: "message",
      status: "This room is full.",
      alert: {
        kind: "full",
        title: "This room is full",
        text: fullText(context.roomCapacity),
        actions: [retry("Try again"), newCall],
      },
    };
  }
  if (preJoin("mediaBlocked")) {
    const failure = context.mediaFailure!;
    return {
      ...base,
      heading: mediaFailureTitle(failure),
      screen: "message",
      focus: "alert",
      status: "Your camera or microphone is not available.",
      alert: {
        kind: "media",
        title: mediaFailureTitle(failure),
        text: mediaFailureText(failure),
        actions: [retry("Try again"), {
          label: continueLabel(failure, context.wants),
          event: "user.continue",
        }],
      },
    };
  }
  if (preJoin("ready")) {
    const receiveOnly = !base.hasAudio && !base.hasVideo;
    return {
      ...base,
      screen: "prejoin",
      status: receiveOnly
        ? "Ready to join. They will not see or hear you."
        : "Ready to join. Check your camera and microphone, then join.",
      canJoin: true,
      canHideAddress: context.relayAvailable,
      occupancy: occupancy(context.roomMembers),
      focus: "join",
    };
  }
  // Join pressed: the session's code on its way (the call's chunk).
  if (snapshot.matches({ live: "joining" })) {
    return { ...base, heading: "Call", screen: "call", inCall: true, status: "Joining the room…" };
  }
  if (snapshot.matches({ live: "inCall" })) {
    if (!session || session.hasTag("leaving") || session.status === "done") {
      return { ...base, heading: "Call", screen: "call", status: "Hanging up…" };
    }
    const reconnecting = session.hasTag("connecting") && session.context.joinedOnce;
    const adding = snapshot.hasTag("addingMedia");
    const mediaNotice = adding
      ? `Starting your ${context.turningOn === "audio" ? "microphone" : "camera"}…`
      : snapshot.hasTag("mediaRefused") && context.mediaFailure
      ? mediaFailureText(context.mediaFailure)
      : null;
    const notice = reconnecting
      ? "Lost the connection to the Parley server. Reconnecting… your call continues."
      : mediaNotice;
    const inCall = {
      ...base,
      heading: "Call",
      screen: "call" as const,
      inCall: true,
      canAddAudio: !base.hasAudio && !adding,
      canAddVideo: !base.hasVideo && !adding,
    };
    const { peers } = session.context;
    // The latest news of someone who is not here, and the first failure.
    const peerAbsence = peers.findLast((entry) => !entry.negotiation && entry.absence)?.absence ??
      (peers.some((entry) => entry.absence === "away") ? "away" : null);
    const connectionFailure = peers.find((entry) => entry.failure)?.failure ?? null;
    if (session.hasTag("failed")) {
      return {
        ...base,
        heading: "The call stopped",
        focus: "alert",
        screen: "message",
        inCall: true,
        status: connectionFailure === "unverifiable"
          ? "This connection cannot be verified."
          : "The connection failed.",
        alert: {
          kind: "failed",
          title: "The call stopped",
          text: CONNECTION_FAILURE[connectionFailure ?? "lost"],
          actions: [
            retry(),
            { label: "Check your connection", event: "checkConnection" },
            { label: "Hang up", event: "user.hangUp" },
          ],
        },
      };
    }
    if (session.hasTag("joining")) {
      // (The server could not seat anyone: the session tries again by itself, 2, 4, 8 s later.)
      const status = session.hasTag("busy") ? SERVER_BUSY : "Joining the room…";
      return { ...inCall, status, notice };
    }
    if (session.hasTag("waiting")) {
      const absence = peerAbsence ? PEER_ABSENCE[peerAbsence] : null;
      return {
        ...inCall,
        status: absence ??
          (base.group
            ? "Waiting for the others. Send them the invite link."
            : "Waiting for the other person. Send them the invite link."),
        notice,
        waiting: true,
        peer: absence ? "left" : "none",
        absence: peerAbsence,
        focus: "copy",
      };
    }
    // (In a group, whose it was is said by name: `stage_words.ts`.)
    const away = peerAbsence === "away" && !base.group
      ? "The other person's connection to the server dropped. Your call continues."
      : null;
    const here = {
      ...inCall,
      peer: "here" as const,
      absence: peerAbsence,
      focus: "mic" as const,
    };
    if (link?.hasTag("connected")) {
      return { ...here, status: "Connected.", connected: true, notice: notice ?? away };
    }
    if (link?.hasTag("interrupted")) {
      return {
        ...here,
        status: "The connection was interrupted. Reconnecting…",
        notice: notice ?? away,
      };
    }
    return { ...here, status: "Connecting to the other person…", notice };
  }
  const message = {
    ...base,
    heading: "The call stopped",
    screen: "message" as const,
    focus: "alert" as const,
  };
  if (snapshot.matches({ live: "failed" })) {
    const failure = context.failure;
    switch (failure?.kind) {
      case "room-full":
        return {
          ...message,
          status: "This room is full.",
          alert: {
            kind: "full",
            title: "This room is full",
            text: fullText(context.roomCapacity),
            actions: [retry("Try again"), newCall],
          },
        };
      case "unreachable":
        return {
          ...message,
          status: "Can't reach the Parley server.",
          alert: {
            kind: "unreachable",
            title: "Can't reach the Parley server",
            text: "Check your internet connection, then retry.",
            actions: [retry(), newCall],
          },
        };
      default: {
        const text = failure?.kind === "rejected"
          ? failure.error.message
          : failure?.kind === "replaced"
          ? "This call was opened in another tab."
          : "The server said no.";
        return {
          ...message,
          status: text,
          alert: {
            kind: "failed",
            title: "The call stopped",
            text,
            actions: [retry(), newCall],
          },
        };
      }
    }
  }
  return {
    ...message,
    heading: "You left the call",
    status: "You left the call.",
    alert: {
      kind: "left",
      title: "You left the call",
      text: "Rejoin goes straight back in, with the same link.",
      actions: [retry("Rejoin"), newCall],
      neutral: true,
    },
  };
}
