/**
 * Peer connections made before they are needed, so that Join has nothing to wait for: on the
 * pre-join screen the newcomer's connection is made, with its transceivers, data channels and
 * first offer, and the join carries that offer (`signaling.ts`); while someone waits alone, the
 * connection for whoever comes is made. The next negotiation's `peerConnection` actor
 * (`peer_connection.ts`) adopts it when it fits, or makes its own.
 *
 * The `warmPeer` actor makes it and reports it to the machine that invoked it (`warm.made`); the
 * machines hand it on, in their context and their children's input, to the signaling actor (the
 * join) and to the next negotiation's peer connection, which adopts it once. The maker stops just
 * before the negotiation starts, so an unadopted connection closes itself a little later.
 *
 * @module
 */
import type { EventObject } from "xstate";
import type {
  PeerInput,
  WarmPeerEvent,
  WarmPeerInput,
  WarmPeerLike,
} from "../../machines/peer_types.ts";
import type { Candidate, Description } from "../../protocol/signaling.ts";
import type { ActorBody } from "./deferred_actor.ts";
import { addTransceivers, type CallChannels, openChannels } from "./peer_setup.ts";

/** A connection made ahead, as the adopting actor gets it. */
export interface Adopted {
  pc: RTCPeerConnection;
  channels: CallChannels | null;
  /** Candidates gathered after the offer went out with the join: to be sent now. */
  candidates: Candidate[];
  /** It has transceivers but no offer sent yet, so its `negotiationneeded` went unheard. */
  needsOffer: boolean;
  /** Its offer is made already (made ahead, not sent): the first offer asked for is that one. */
  offerReady: boolean;
}

/** How long a connection nobody adopted is kept after its maker stopped. */
const UNCLAIMED_MS = 2000;
/** How long one whose offer went out with a join waits for that join's acknowledgement. */
const SENT_UNCLAIMED_MS = 30_000;
/** How long a join waits for an offer still being made (Join pressed at once). */
const OFFER_WAIT_MS = 150;
/** At most this many made ahead besides the first (a group of four's newcomer meets three). */
const MAX_EXTRAS = 2;

function configKey(input: Pick<PeerInput, "iceServers" | "iceTransportPolicy">): string {
  return JSON.stringify([input.iceServers, input.iceTransportPolicy]);
}

/** A connection made ahead: what the machines carry, and what `peerConnection` adopts. */
export class WarmPeer implements WarmPeerLike {
  readonly pc: RTCPeerConnection;
  readonly channels: CallChannels | null = null;
  /** Candidates gathered after the offer was made. */
  readonly #candidates: Candidate[] = [];
  /** The SDP the join carried, once it did. */
  #sentSdp: string | null = null;
  /** Whom the server relayed that offer to (their session), once the join was answered. */
  #sentTo: string | null = null;
  /** Adopted, or let go: either way no longer this handle's to give. */
  #gone = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Settles once the offer is made (or could not be). */
  #offerMade: Promise<void> = Promise.resolve();
  /**
   * In a group, one more for each other person already there beyond the first, its offer made
   * too: the join carries the first one's offer; these are sent the moment the seat is had, with
   * nothing left to make then (a busy newcomer took seconds to make them after the join).
   */
  readonly #extras: WarmPeer[];

  constructor(readonly input: WarmPeerInput) {
    const more = Math.min(MAX_EXTRAS, Math.max(0, (input.others ?? 0) - 1));
    this.#extras = Array.from({ length: more }, () => new WarmPeer({ ...input, others: 0 }));
    this.pc = new RTCPeerConnection({
      iceServers: input.iceServers,
      iceTransportPolicy: input.iceTransportPolicy,
    });
    // The answering side's channels come with the offer it takes; made now, they would need an
    // offer of their own.
    if (!input.initiator) return;
    this.channels = openChannels(this.pc);
    addTransceivers(this.pc, input.stream as MediaStream | null);
    if (!input.offer) return;
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate?.candidate) return;
      const { sdpMid, sdpMLineIndex, usernameFragment } = candidate;
      this.#candidates.push({
        candidate: candidate.candidate,
        sdpMid,
        sdpMLineIndex,
        usernameFragment,
      });
    };
    this.#offerMade = this.pc.setLocalDescription().catch(() => this.discard());
  }

  /**
   * The offer for the join to carry, if there is one (waiting a moment for one being made): from
   * then on the connection is kept for the negotiation that follows a successful join (or
   * discarded).
   */
  async offerForJoin(): Promise<Description | null> {
    if (this.#gone || !this.input.offer) return null;
    await Promise.race([this.#offerMade, new Promise((r) => setTimeout(r, OFFER_WAIT_MS))]);
    const description = this.pc.localDescription;
    if (this.#gone || description?.type !== "offer") return null;
    this.#sentSdp = description.sdp;
    this.#discardLater(SENT_UNCLAIMED_MS);
    return { type: "offer", sdp: description.sdp };
  }

  /**
   * In a group, the offers of the connections made for the others after the first, those made
   * by now, in order: the join carries them after `offerForJoin`'s (each goes to the next member).
   */
  moreOffersForJoin(): Description[] {
    const offers: Description[] = [];
    for (const extra of this.#extras) {
      const description = extra.pc.localDescription;
      if (extra.#gone || !extra.input.offer || description?.type !== "offer") break;
      extra.#sentSdp = description.sdp;
      offers.push({ type: "offer", sdp: description.sdp });
    }
    return offers;
  }

  /** The join was answered: its offers went to `sessions`, in order (the first one's first). */
  sentTo(sessions: string[]): void {
    [this, ...this.#extras].forEach((warm, i) => {
      if (warm.#sentSdp !== null) warm.#sentTo = sessions[i] ?? null;
    });
  }

  /**
   * A connection made ahead for `input`: the one whose offer the join took to that person when
   * `input.offered` says so, else one whose offer went nowhere (or that has none), if it fits (the
   * same role; anything else is let go, and the caller makes its own). Each once.
   */
  adopt(input: PeerInput): Adopted | null {
    const chosen = [this, ...this.#extras].find((warm) =>
      !warm.#gone && (input.offered ? warm.#sentTo === input.peer : warm.#sentSdp === null)
    );
    return chosen ? chosen.#take(input) : null;
  }

  #take(input: PeerInput): Adopted | null {
    this.#gone = true;
    clearTimeout(this.#timer);
    const sent = this.#sentSdp !== null;
    const fits = this.input.initiator === input.initiator && sent === (input.offered ?? false) &&
      // An offer made but not sent is of use only with the same policy: its candidates may be
      // ones the person now hides.
      (sent || !this.input.offer || this.input.iceTransportPolicy === input.iceTransportPolicy);
    if (!fits || !(this.#reconfigure(input) || sent)) {
      this.pc.close();
      return null;
    }
    return {
      pc: this.pc,
      channels: this.channels,
      // An offer made ahead and not sent goes with the candidates gathered so far in it.
      candidates: this.#sentSdp === null
        ? []
        : this.#candidates.filter((c) => !this.#sentSdp?.includes(c.candidate)),
      needsOffer: this.input.initiator && !sent,
      offerReady: !sent && this.pc.signalingState === "have-local-offer",
    };
  }

  /** Closes the connection, unless it was adopted. */
  discard(): void {
    for (const extra of this.#extras.splice(0)) extra.discard();
    if (this.#gone) return;
    this.#gone = true;
    clearTimeout(this.#timer);
    this.pc.close();
  }

  /** Its maker stopped: kept a moment for whoever adopts it (longer once its offer went out). */
  released(): void {
    if (this.#sentSdp === null) this.#discardLater(UNCLAIMED_MS);
  }

  #discardLater(ms: number): void {
    for (const extra of this.#extras) extra.#discardLater(ms);
    if (this.#gone) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.discard(), ms);
  }

  /**
   * Gives the connection the ICE servers of `input` (a seat's TURN credentials) where they differ
   * from those it was made with; false if the browser would not.
   */
  #reconfigure(input: PeerInput): boolean {
    if (configKey(this.input) === configKey(input)) return true;
    try {
      this.pc.setConfiguration({
        ...this.pc.getConfiguration(),
        iceServers: input.iceServers,
        iceTransportPolicy: input.iceTransportPolicy,
      });
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * The body of the `warmPeer` actor the browser provides: makes the connection and reports it
 * (`warm.made`) for the machines to hand on; when stopped, keeps it a moment for whoever adopts
 * it. It comes with the call's chunk (fetched while the person looks at the pre-join screen), as
 * the peer connection that adopts it does: the first visit does not carry it.
 */
export const runWarmPeer: ActorBody<EventObject, WarmPeerInput> = ({ input, sendBack }) => {
  if (typeof RTCPeerConnection !== "function") return;
  const warm = new WarmPeer(input);
  const made: WarmPeerEvent = { type: "warm.made", warm };
  sendBack(made);
  return () => warm.released();
};
