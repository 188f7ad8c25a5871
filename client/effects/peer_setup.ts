/**
 * How Parley sets up a peer connection, made ahead (`warm_peer.ts`) or at the call's start
 * (`peer_connection.ts`): the call's data channels and the first offer's transceivers.
 *
 * @module
 */
import { preferRed, VOICE_ENCODING } from "./voice_first.ts";

/** The call's data channels, negotiated (fixed ids on both sides). */
export interface CallChannels {
  control: RTCDataChannel;
  files: RTCDataChannel;
}

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
 * receive), video at half resolution to begin with (see `peer_connection.ts`), the voice first
 * (`voice_first.ts`).
 */
export function addTransceivers(pc: RTCPeerConnection, stream: MediaStream | null): void {
  for (const kind of ["audio", "video"] as const) {
    const track = stream?.getTracks().find((t) => t.kind === kind);
    if (!track) {
      pc.addTransceiver(kind, { direction: "recvonly" });
      continue;
    }
    const transceiver = pc.addTransceiver(track, {
      direction: "sendrecv",
      streams: [stream!],
      sendEncodings: [
        kind === "video" ? { scaleResolutionDownBy: START_SCALE_DOWN } : VOICE_ENCODING,
      ],
    });
    if (kind === "audio") preferRed(transceiver);
  }
}
