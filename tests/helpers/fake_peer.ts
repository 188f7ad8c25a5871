/**
 * A fake peer connection for the machine tests (`fake_call.ts` provides it): it keeps
 * RTCPeerConnection's offer/answer state rules (including implicit rollback), queues early
 * candidates, and remembers what it was told.
 *
 * @module
 */
import type { TrackLike } from "../../machines/media_types.ts";
import type { LinkState, PeerCommand, PeerEvent, PeerInput } from "../../machines/peer_types.ts";
import type { Description } from "../../protocol/signaling.ts";

/** A peer connection that keeps RTCPeerConnection's signaling-state rules. */
export class FakePeerConnection {
  signalingState: "stable" | "have-local-offer" | "have-remote-offer" | "closed" = "stable";
  remoteDescription: Description | null = null;
  localDescription: Description | null = null;
  readonly candidates: string[] = [];
  readonly earlyCandidates: string[] = [];
  readonly commands: PeerCommand["type"][] = [];
  closed = false;
  rollbacks = 0;
  /** Answers taken that answered another offer than ours (a browser takes them, then ICE fails). */
  staleAnswers = 0;
  /** What `diagnose` answers: by default a relay is in play, so no early verdict. */
  diagnosis = { path: false, relay: true, turn: true };
  /** Tracks this connection sends: the input stream's, then whatever `addTracks` brought. */
  readonly sent: TrackLike[];
  #counter = 0;
  constructor(
    readonly owner: string,
    readonly input: PeerInput,
    readonly send: (event: PeerEvent) => void,
  ) {
    this.sent = [...(input.stream?.getTracks() ?? [])];
    // The connection made ahead whose offer went out with the join (client/effects/warm_peer.ts).
    if (input.offered) {
      this.localDescription = { type: "offer", sdp: `warm offer ${owner}` };
      this.signalingState = "have-local-offer";
    }
  }

  /** Reports a connection state, as the browser's connectionstatechange would. */
  link(state: LinkState): void {
    if (!this.closed) this.send({ type: "pc.connection", state });
  }

  run(command: PeerCommand): void {
    this.commands.push(command.type);
    if (this.closed) return;
    switch (command.type) {
      case "offer":
        if (this.signalingState !== "stable") return;
        this.localDescription = { type: "offer", sdp: `offer ${this.owner} ${++this.#counter}` };
        this.signalingState = "have-local-offer";
        return this.send({ type: "pc.localDescription", description: this.localDescription });
      case "acceptOffer":
        if (this.signalingState === "have-local-offer") this.rollbacks++;
        this.remoteDescription = command.description;
        this.candidates.push(...this.earlyCandidates.splice(0));
        // The answer says which offer it answers, so a test can tell a stale one.
        this.localDescription = {
          type: "answer",
          sdp: `answer ${this.owner} ${++this.#counter} to ${command.description.sdp}`,
        };
        this.signalingState = "stable";
        this.send({ type: "pc.localDescription", description: this.localDescription });
        // Both descriptions are there: ICE starts checking, as the browser's connectionState says.
        return this.link("connecting");
      case "acceptAnswer":
        if (this.signalingState !== "have-local-offer") return;
        if (!command.description.sdp.endsWith(` to ${this.localDescription?.sdp}`)) {
          this.staleAnswers++;
        }
        this.remoteDescription = command.description;
        this.signalingState = "stable";
        this.candidates.push(...this.earlyCandidates.splice(0));
        return this.link("connecting");
      case "addCandidate":
        if (this.remoteDescription) this.candidates.push(command.candidate.candidate);
        else this.earlyCandidates.push(command.candidate.candidate);
        return;
      case "restartIce":
        return this.send({ type: "pc.negotiationNeeded" });
      case "repeatOffer":
        if (this.signalingState !== "have-local-offer" || !this.localDescription) return;
        return this.send({ type: "pc.localDescription", description: this.localDescription });
      case "rollback":
        if (this.signalingState !== "have-local-offer") return;
        this.rollbacks++;
        this.localDescription = null;
        this.signalingState = "stable";
        // What the offer was for is still to be done: the browser asks for an offer again.
        return this.send({ type: "pc.negotiationNeeded" });
      case "setIceServers":
        return;
      case "diagnose":
        return this.send({ type: "pc.diagnosis", ...this.diagnosis });
      case "replaceTrack": {
        const index = this.sent.findIndex((track) => track.kind === command.kind);
        if (index >= 0) this.sent.splice(index, 1);
        if (command.track) this.sent.push(command.track);
        return;
      }
      case "addTracks": {
        const unsent = command.stream.getTracks().filter((track) => !this.sent.includes(track));
        this.sent.push(...unsent);
        // A new track to send needs a new offer, as in a browser.
        if (unsent.length > 0) this.send({ type: "pc.negotiationNeeded" });
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.signalingState = "closed";
  }
}
