/**
 * The shape of what the call page shows (`call_view.ts` computes it from the machines'
 * snapshots): the screen, its words and buttons, the card of a call that ended or cannot start.
 *
 * @module
 */
import type { PeerAbsence } from "../../machines/peer_types.ts";

/**
 * A button the page can offer, and the machine event it sends (or what the page does itself:
 * make a new room, open the connection check, copy the invite link).
 */
export interface ViewAction {
  label: string;
  event:
    | "user.continue"
    | "user.retry"
    | "user.hangUp"
    | "user.join"
    | "newCall"
    | "checkConnection"
    | "copyLink";
}

/** What a card is about: it picks the card's icon. */
export type AlertKind =
  | "left"
  | "full"
  | "failed"
  | "unreachable"
  | "media"
  | "unsupported";

/**
 * A card in the middle of the screen: one heading, one sentence, its ways forward (the first is
 * the primary one); `neutral` when nothing went wrong (the person left the call).
 */
export interface Alert {
  kind: AlertKind;
  title: string;
  text: string;
  actions: ViewAction[];
  neutral?: boolean;
}

/** Everything the page needs to render. */
export interface CallView {
  /** Which screen: the pre-join screen, the call, or a message. */
  screen: "prejoin" | "call" | "message";
  /** One line telling what is happening now. */
  status: string;
  /** The screen's heading (its `<h1>`), for those who navigate by headings. */
  heading: string;
  /** A card with the ways forward (a call that ended or cannot start), or null. */
  alert: Alert | null;
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
  /** The pre-join screen offers "Hide my network address" (this server has a relay). */
  canHideAddress: boolean;
  /** The person chose to go through the relay only. */
  hideAddress: boolean;
  /** Who else is in the room, said before joining ("They are waiting for you."). */
  occupancy: string | null;
  /** The room seats more than two (a group call, as the server said before joining). */
  group: boolean;
  /** Alone in the room: the page shows the invite link. */
  waiting: boolean;
  /** The other person: not here yet, here (in the call), or gone after being here. */
  peer: "none" | "here" | "left";
  /** Why the other person is away or gone, while they are. */
  absence: PeerAbsence;
  /** This side is sharing its screen. */
  sharing: boolean;
  /** The control a keyboard user lands on when this screen appears. */
  focus: "join" | "copy" | "mic" | "alert" | null;
}
