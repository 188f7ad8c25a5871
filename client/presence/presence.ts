/**
 * Presence: each side tells the other, peer to peer over the call's control data channel,
 * whether its microphone and camera are on and the name it goes by. Sent when the channel opens
 * and on every change, so the other side shows a muted badge and a "camera off" placeholder
 * instead of a black picture that looks like a broken call.
 *
 * What arrives is untrusted: anything but the expected shape is dropped, and a name is made safe to
 * show (`displayName`: no bidi controls, invisible characters or stacks of marks, one line) and
 * cut to {@linkcode MAX_NAME_LENGTH} characters. Only a change of what they say redraws the page,
 * in batches (a flood of changes is a few redraws a second).
 *
 * @module
 */
import { type MessageChannel, type PeerMessage, peerMessages } from "../effects/peer_messages.ts";
import { displayName } from "../text/safe_text.ts";
import { renderBatch } from "../chat/render_batch.ts";
import { MAX_NAME_LENGTH } from "./name.ts";

/** What one side says about itself. */
export interface Presence {
  mic: boolean;
  camera: boolean;
  /** The display name the person chose, or "" for none. */
  name: string;
  /** Their screen goes out instead of their camera. */
  sharing?: boolean;
  /** Their camera is being switched for another: no picture for a moment. */
  switching?: boolean;
}

export { MAX_NAME_LENGTH };

/** `message` as a {@linkcode Presence}, or null when it is not one. */
export function readPresence(message: PeerMessage): Presence | null {
  const { mic, camera, name, sharing, switching } = message;
  if (typeof mic !== "boolean" || typeof camera !== "boolean") return null;
  const cleanName = typeof name === "string" ? displayName(name, MAX_NAME_LENGTH) : "";
  return { mic, camera, name: cleanName, sharing: sharing === true, switching: switching === true };
}

/** The link to the other side's presence, kept across peer connections. */
export interface PresenceLink {
  /** Follow `channel` (the newest peer connection's, or null) and say `mine` over it. */
  update(channel: MessageChannel | null, mine: Presence): void;
  /** What the other side said last over the current channel; null until it says something. */
  theirs(): Presence | null;
}

/** A presence link; `onChange` runs whenever the other side's presence changes. */
export function presenceLink(onChange: () => void): PresenceLink {
  // A peer flipping its presence as fast as it can redraws the page ten times a second at most.
  const heardChange = renderBatch(onChange);
  let channel: MessageChannel | null = null;
  let stops: (() => void)[] = [];
  let theirs: Presence | null = null;
  let mine: Presence | null = null;
  let sent = "";

  const say = () => {
    if (!channel || !mine) return;
    const text = JSON.stringify(mine);
    if (text === sent) return;
    if (peerMessages(channel).send({ type: "presence", ...mine })) sent = text;
  };

  return {
    update(next, presence) {
      mine = presence;
      if (next !== channel) {
        for (const stop of stops) stop();
        channel = next;
        sent = "";
        if (theirs) {
          theirs = null;
          queueMicrotask(onChange);
        }
        if (next) {
          const bus = peerMessages(next);
          stops = [
            bus.on("presence", (message) => {
              const heard = readPresence(message);
              if (!heard || JSON.stringify(heard) === JSON.stringify(theirs)) return;
              theirs = heard;
              heardChange();
            }),
            bus.onOpen(() => {
              sent = "";
              say();
            }),
          ];
        } else stops = [];
      }
      say();
    },
    theirs: () => theirs,
  };
}
