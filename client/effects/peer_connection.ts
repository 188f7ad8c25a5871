/**
 * The browser's `peerConnection` actor: one RTCPeerConnection for the life of one negotiation
 * (`machines/negotiation_machine.ts`). It runs the machine's commands one at a time, in order,
 * and reports what the connection does; the machine decides when to offer, answer, roll back or
 * restart. It adopts the connection made ahead of time (`warm_peer.ts`), which the machines hand it
 * in its input, when that one fits.
 *
 * @module
 */
import type { ActorBody } from "./deferred_actor.ts";
import type { PeerCommand, PeerEvent, PeerInput } from "../../machines/peer_types.ts";
import type { Candidate } from "../../protocol/signaling.ts";
import { unverifiableDescription } from "../verification/fingerprints.ts";
import { sendControls } from "./send_controls.ts";
import { preferRed, voiceFirst } from "./voice_first.ts";
import {
  addTransceivers,
  type CallChannels,
  openChannels,
  START_SCALE_DOWN,
} from "./peer_setup.ts";
import type { WarmPeer } from "./warm_peer.ts";

/** How long after connecting the video goes from half to full resolution. */
const FULL_RESOLUTION_AFTER_MS = 2000;

/** The body of the `peerConnection` actor the browser provides to the negotiation machine. */
export const runPeerConnection: ActorBody<PeerCommand, PeerInput> = (
  { input, sendBack, receive },
) => {
  const send = (event: PeerEvent) => sendBack(event);
  const adopted = (input.warm as WarmPeer | null | undefined)?.adopt(input) ?? null;
  const pc = adopted?.pc ?? new RTCPeerConnection({
    iceServers: input.iceServers,
    iceTransportPolicy: input.iceTransportPolicy,
  });
  let local = input.stream as MediaStream | null;
  /** The adopted connection's offer is made and not sent yet: the first `offer` sends it. */
  let offerReady = adopted?.offerReady ?? false;
  // Candidates that arrive before the description they belong to wait here.
  const early: Candidate[] = [];
  let closed = false;
  let chain = Promise.resolve();
  const run = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((error: unknown) => {
      if (closed) return;
      const message = String((error as Error)?.message ?? error);
      if (error instanceof Unverifiable) {
        send({ type: "pc.error", message, reason: "unverifiable" });
      } else send({ type: "pc.error", message });
    });
  };

  pc.onnegotiationneeded = () => send({ type: "pc.negotiationNeeded" });
  pc.onicecandidate = ({ candidate }) => {
    if (!candidate || !candidate.candidate) return;
    send({
      type: "pc.candidate",
      candidate: {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      },
    });
  };
  const remote = new MediaStream();
  pc.ontrack = ({ track }) => {
    remote.addTrack(track);
    track.onended = () => remote.removeTrack(track);
    send({ type: "pc.remoteStream", stream: remote });
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") fullResolutionSoon();
    send({ type: "pc.connection", state: pc.connectionState });
  };
  /**
   * A call's first frames go out at half the camera's resolution: a small first keyframe
   * arrives at once, where a 720p one waits for the bandwidth estimate to grow. Once the
   * browsers are connected and the estimate has had a moment, the camera's own resolution
   * follows. The encodings themselves are `send_controls.ts`'s, within the adaptation's limits.
   */
  let fullResolution = false;
  const controls = sendControls(pc, START_SCALE_DOWN);
  const fullResolutionSoon = () => {
    if (fullResolution) return;
    fullResolution = true;
    setTimeout(() => !closed && controls.scale(1), FULL_RESOLUTION_AFTER_MS);
  };
  /**
   * After an ICE restart (the path broke and was found again) the bandwidth estimate has
   * collapsed while nothing got through: start small again, so that a keyframe the other side
   * can decode gets there at once, then go back to full resolution.
   */
  let remoteUfrag: string | null = null;
  const afterRestart = () => {
    const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.remoteDescription?.sdp ?? "")?.[1] ?? null;
    const restarted = remoteUfrag !== null && ufrag !== remoteUfrag;
    remoteUfrag = ufrag;
    if (!restarted || !fullResolution) return;
    controls.scale(START_SCALE_DOWN);
    setTimeout(() => !closed && controls.scale(1), FULL_RESOLUTION_AFTER_MS);
  };
  // A relay that refuses our credentials (401 Unauthorized, 403 Forbidden) says so at once.
  pc.onicecandidateerror = (event) => {
    const { errorCode, url } = event as RTCPeerConnectionIceErrorEvent;
    if (/^turns?:/i.test(url ?? "") && (errorCode === 401 || errorCode === 403)) {
      send({ type: "pc.relayRefused" });
    }
  };
  // The browser knows at once when the device loses its last network or gets one back; ICE
  // would take seconds to notice either.
  const offline = () => send({ type: "network.offline" });
  const online = () => send({ type: "network.online" });
  globalThis.addEventListener("offline", offline);
  globalThis.addEventListener("online", online);

  /**
   * The data channels of the call, peer to peer: `control` for small messages (what each side
   * shows, chat), `files` for file transfers. Negotiated (fixed ids on both sides), so neither
   * side waits for the other to announce them. The side that offers first makes them at once;
   * the other makes them as it takes that offer, so they never need an offer of their own.
   */
  let channels: CallChannels | null = null;
  const ensureChannels = (made?: CallChannels | null) => {
    if (channels) return;
    channels = made ?? openChannels(pc);
    // The page's quality indicator, details panel and verification code read its stats.
    const sdp = () => [pc.localDescription?.sdp ?? "", pc.remoteDescription?.sdp ?? ""];
    send({
      type: "pc.channels",
      channels: {
        ...channels,
        stats: () => pc.getStats(),
        sdp,
        limit: controls.limit,
        cap: controls.cap,
      },
    });
  };

  // The answering side's made-ahead connection is bare: its offer brings the rest.
  if (adopted && input.initiator) {
    ensureChannels(adopted.channels);
    run(async () => {
      // The person may have switched a camera or microphone off or over since it was made.
      for (const { sender } of pc.getTransceivers()) {
        const current = local?.getTracks().includes(sender.track!) ?? false;
        if (sender.track && !current) await sender.replaceTrack(null);
      }
      await attachLocalTracks();
      for (const candidate of adopted.candidates) send({ type: "pc.candidate", candidate });
      if (adopted.needsOffer) send({ type: "pc.negotiationNeeded" });
    });
  } else if (input.initiator) {
    ensureChannels();
    addTransceivers(pc, local);
  }

  /**
   * Sends the local tracks not sent yet: on a transceiver of their kind that sends nothing (one a
   * remote offer made, or one that was receive-only), else on a new one. After a remote offer,
   * and when a track was added mid-call.
   */
  const attachLocalTracks = async () => {
    const unsent = (local?.getTracks() ?? []).filter((track) =>
      !pc.getSenders().some((sender) => controls.original(sender.track) === track)
    );
    // Each kind at once, side by side: every step is a trip to the browser's WebRTC thread.
    const steps: Promise<void>[] = [];
    for (const transceiver of pc.getTransceivers()) {
      if (transceiver.sender.track || transceiver.currentDirection === "stopped") continue;
      const index = unsent.findIndex((t) => t.kind === transceiver.receiver.track.kind);
      if (index < 0) continue;
      const [track] = unsent.splice(index, 1);
      transceiver.sender.setStreams?.(local!);
      transceiver.direction = "sendrecv";
      if (track.kind === "audio") preferRed(transceiver);
      steps.push(
        transceiver.sender.replaceTrack(track).then(() =>
          track.kind === "audio" ? voiceFirst(transceiver.sender) : undefined
        ),
      );
    }
    await Promise.all(steps);
    for (const track of unsent) {
      const sender = pc.addTrack(track, local!);
      const transceiver = pc.getTransceivers().find((t) => t.sender === sender);
      if (track.kind !== "audio" || !transceiver) continue;
      preferRed(transceiver);
      await voiceFirst(sender);
    }
    controls.apply();
  };

  const applyEarlyCandidates = async () => {
    await Promise.all(early.splice(0).map(addCandidate));
  };

  const addCandidate = async (candidate: Candidate) => {
    try {
      await pc.addIceCandidate(candidate);
    } catch {
      // A candidate of an offer we ignored (glare) or of an old session: nothing to do.
    }
  };

  /**
   * Says where the connection stands once a negotiation is done. An ICE restart over a path
   * that works again changes no state (it stays "connected"), so no event would tell the
   * machine that its restart succeeded.
   */
  /** Applies the other side's description, unless it names more than one certificate. */
  const setRemote = (description: RTCSessionDescriptionInit) => {
    const refused = unverifiableDescription(description.sdp ?? "");
    if (refused) throw new Unverifiable(refused);
    return pc.setRemoteDescription(description);
  };

  const reportConnection = () => send({ type: "pc.connection", state: pc.connectionState });

  const sendLocalDescription = (type: RTCSdpType) => {
    const description = pc.localDescription;
    if (description?.type === type && (type === "offer" || type === "answer")) {
      send({ type: "pc.localDescription", description: { type, sdp: description.sdp } });
    }
  };

  receive((command) => {
    switch (command.type) {
      case "offer":
        return run(async () => {
          // The offer made ahead (`warmPeer`) is this one: nothing to make now.
          if (offerReady && pc.signalingState === "have-local-offer") {
            offerReady = false;
            return sendLocalDescription("offer");
          }
          offerReady = false;
          if (pc.signalingState !== "stable") return;
          await pc.setLocalDescription();
          sendLocalDescription("offer");
        });
      case "acceptOffer":
        return run(async () => {
          // The offer we answered, sent again (our answer was slow to get there): the same
          // answer again, rather than a new round of the same descriptions.
          const current = pc.remoteDescription;
          if (
            pc.signalingState === "stable" && current?.type === "offer" &&
            current.sdp === command.description.sdp
          ) return sendLocalDescription("answer");
          // In have-local-offer this rolls our own offer back first (the polite side's glare).
          await setRemote(command.description);
          afterRestart();
          ensureChannels();
          await attachLocalTracks();
          await applyEarlyCandidates();
          await pc.setLocalDescription();
          sendLocalDescription("answer");
          reportConnection();
        });
      case "acceptAnswer":
        return run(async () => {
          if (pc.signalingState !== "have-local-offer") return;
          await setRemote(command.description);
          afterRestart();
          await applyEarlyCandidates();
          reportConnection();
        });
      case "addCandidate":
        return run(async () => {
          if (pc.remoteDescription) await addCandidate(command.candidate);
          else early.push(command.candidate);
        });
      case "restartIce":
        return pc.restartIce();
      case "repeatOffer":
        // In turn with the other steps, so it says the offer of the step before it.
        return run(() => {
          if (pc.signalingState === "have-local-offer") sendLocalDescription("offer");
          return Promise.resolve();
        });
      case "rollback":
        return run(async () => {
          if (pc.signalingState === "have-local-offer") {
            await pc.setLocalDescription({ type: "rollback" });
          }
        });
      case "replaceTrack":
        return run(async () => {
          const transceiver = pc.getTransceivers().find((t) =>
            t.currentDirection !== "stopped" && t.receiver.track.kind === command.kind
          );
          await transceiver?.sender.replaceTrack(command.track as MediaStreamTrack | null);
          if (command.kind === "video") controls.replaced();
          controls.apply();
        });
      case "diagnose":
        return void pc.getStats().then((stats) => {
          let path = false;
          let relay = false;
          stats.forEach((report) => {
            if (report.type === "candidate-pair" && report.state === "succeeded") path = true;
            if (
              (report.type === "local-candidate" || report.type === "remote-candidate") &&
              report.candidateType === "relay"
            ) relay = true;
          });
          const turn = (pc.getConfiguration().iceServers ?? []).some((server) =>
            [server.urls].flat().some((url) => /^turns?:/i.test(url))
          );
          if (!closed) send({ type: "pc.diagnosis", path, relay, turn });
        }, () => {});
      case "setIceServers":
        return pc.setConfiguration({ ...pc.getConfiguration(), iceServers: command.iceServers });
      case "addTracks":
        // Sending on a transceiver that only received, or a new one, fires negotiationneeded.
        return run(async () => {
          local = command.stream as MediaStream;
          await attachLocalTracks();
        });
    }
  });

  return () => {
    closed = true;
    globalThis.removeEventListener("offline", offline);
    globalThis.removeEventListener("online", online);
    controls.stop();
    pc.close();
  };
};

/** A description refused because the connection it would make could not be verified. */
class Unverifiable extends Error {}
