/**
 * Peer connections made before they are needed, so that Join has nothing to wait for: on the
 * pre-join screen the newcomer's connection is made, with its transceivers, data channels and
 * first offer, and the join carries that offer (`signaling.ts`); while someone waits alone, the
 * connection for whoever comes is made. The next negotiation's `peerConnection` actor
 * (`peer_connection.ts`) adopts it when it fits, or makes its own.
 *
 * There is at most one, held here between the `warmPeer` actor that makes it and the actor that
 * adopts it: the `warmPeer` actor stops just before the negotiation starts.
 *
 * @module
 */
import { fromCallback } from "xstate";
import type { PeerInput, WarmPeerInput } from "../../machines/call_types.ts";
import type { Candidate, Description } from "../../protocol/signaling.ts";

/** The call's data channels, negotiated (fixed ids on both sides). */
export interface CallChannels {
  control: RTCDataChannel;
  files: RTCDataChannel;
}

/** A connection made ahead, as the adopting actor gets it. */
export interface Adopted {
  pc: RTCPeerConnection;
  channels: CallChannels | null;
  /** Candidates gathered after the offer went out with the join: to be sent now. */
  candidates: Candidate[];
  /** It has transceivers but no offer yet, so its `negotiationneeded` went unheard. */
  needsOffer: boolean;
}

interface Warm {
  pc: RTCPeerConnection;
  input: WarmPeerInput;
  channels: CallChannels | null;
  candidates: Candidate[];
  /** The SDP the join carried, once it did. */
  sentSdp: string | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Settles once the offer is made (or could not be). */
  offerMade: Promise<void>;
}

let warm: Warm | null = null;

/** How long a connection nobody adopted is kept after its maker stopped. */
const UNCLAIMED_MS = 2000;
/** How long one whose offer went out with a join waits for that join's acknowledgement. */
const SENT_UNCLAIMED_MS = 30_000;
/** How long a join waits for an offer still being made (Join pressed at once). */
const OFFER_WAIT_MS = 150;

/** How much smaller a call's first seconds of video go out (see `peer_connection.ts`). */
export const START_SCALE_DOWN = 2;

/** The call's data channels on `pc`. */
export function openChannels(pc: RTCPeerConnection): CallChannels {
  const channels = {
    control: pc.createDataChannel("control", { negotiated: true, id: 0, ordered: true }),
    files: pc.createDataChannel("files", { negotiated: true, id: 1, ordered: true }),
  };
  for (const channel of Object.values(channels)) channel.binaryType = "arraybuffer";
  return channels;
}

/**
 * The first offer's transceivers: both kinds always (with nothing to send we still want to
 * receive), video at half resolution to begin with (see `peer_connection.ts`).
 */
export function addTransceivers(pc: RTCPeerConnection, stream: MediaStream | null): void {
  for (const kind of ["audio", "video"] as const) {
    const track = stream?.getTracks().find((t) => t.kind === kind);
    if (!track) {
      pc.addTransceiver(kind, { direction: "recvonly" });
      continue;
    }
    pc.addTransceiver(track, {
      direction: "sendrecv",
      streams: [stream!],
      sendEncodings: kind === "video" ? [{ scaleResolutionDownBy: START_SCALE_DOWN }] : undefined,
    });
  }
}

function configKey(input: Pick<PeerInput, "iceServers" | "iceTransportPolicy">): string {
  return JSON.stringify([input.iceServers, input.iceTransportPolicy]);
}

/** Closes the connection held, unless it was adopted. */
export function discardWarm(): void {
  if (!warm) return;
  clearTimeout(warm.timer);
  warm.pc.close();
  warm = null;
}

function discardLater(ms: number): void {
  if (!warm) return;
  clearTimeout(warm.timer);
  const mine = warm;
  warm.timer = setTimeout(() => warm === mine && discardWarm(), ms);
}

/** Makes the connection `input` describes, replacing any held. */
function makeWarm(input: WarmPeerInput): void {
  discardWarm();
  const pc = new RTCPeerConnection({
    iceServers: input.iceServers,
    iceTransportPolicy: input.iceTransportPolicy,
  });
  const made: Warm = {
    pc,
    input,
    channels: null,
    candidates: [],
    sentSdp: null,
    timer: undefined,
    offerMade: Promise.resolve(),
  };
  warm = made;
  // The answering side's channels come with the offer it takes; made now, they would need an
  // offer of their own.
  if (!input.initiator) return;
  made.channels = openChannels(pc);
  addTransceivers(pc, input.stream as MediaStream | null);
  if (!input.offer) return;
  pc.onicecandidate = ({ candidate }) => {
    if (!candidate?.candidate) return;
    const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
    made.candidates.push({
      candidate: candidate.candidate,
      sdpMid,
      sdpMLineIndex,
      usernameFragment,
    });
  };
  made.offerMade = pc.setLocalDescription().catch(() => {
    if (warm === made) discardWarm();
  });
}

/**
 * The offer for the join to carry, if there is one (waiting a moment for one being made): from
 * then on the connection is kept for the negotiation that follows a successful join (or
 * discarded by `discardWarm`).
 */
export async function offerForJoin(): Promise<Description | null> {
  const held = warm;
  if (!held?.input.offer) return null;
  await Promise.race([held.offerMade, new Promise((r) => setTimeout(r, OFFER_WAIT_MS))]);
  const description = held.pc.localDescription;
  if (warm !== held || description?.type !== "offer") return null;
  held.sentSdp = description.sdp;
  discardLater(SENT_UNCLAIMED_MS);
  return { type: "offer", sdp: description.sdp };
}

/**
 * The connection held, if it fits `input`: the same role, and the offer sent with the join
 * exactly when `input.offered` says so. Anything else is discarded, and the caller makes its own.
 */
export function adoptWarm(input: PeerInput): Adopted | null {
  const held = warm;
  if (!held) return null;
  clearTimeout(held.timer);
  warm = null;
  const sent = held.sentSdp !== null;
  const fits = held.input.initiator === input.initiator && sent === (input.offered ?? false) &&
    // An offer made but not sent is of no use: its candidates may be ones the person hides.
    (sent || !held.input.offer);
  if (!fits || !(reconfigure(held, input) || sent)) {
    held.pc.close();
    return null;
  }
  return {
    pc: held.pc,
    channels: held.channels,
    candidates: held.candidates.filter((c) => !held.sentSdp?.includes(c.candidate)),
    needsOffer: held.input.initiator && !sent,
  };
}

/**
 * Gives the connection the ICE servers of `input` (a seat's TURN credentials) where they differ
 * from those it was made with; false if the browser would not.
 */
function reconfigure({ pc, input: made }: Warm, input: PeerInput): boolean {
  if (configKey(made) === configKey(input)) return true;
  try {
    pc.setConfiguration({
      ...pc.getConfiguration(),
      iceServers: input.iceServers,
      iceTransportPolicy: input.iceTransportPolicy,
    });
    return true;
  } catch {
    return false;
  }
}

/** The `warmPeer` actor the browser provides: makes the connection, lets it go when stopped. */
export const warmPeer = fromCallback<{ type: string }, WarmPeerInput>(({ input }) => {
  if (typeof RTCPeerConnection !== "function") return;
  makeWarm(input);
  const mine = warm;
  return () => {
    if (warm === mine && warm?.sentSdp === null) discardLater(UNCLAIMED_MS);
  };
});
