/**
 * The voice first, from a connection's first offer: the microphone's transceiver prefers
 * `audio/red` where the browser offers it (each packet carries the one before it again, so a lost
 * packet is rebuilt from the next), and its encoding goes with priority "high", so the bandwidth
 * goes to the voice first (and the network marks it, where it does). Opus's in-band FEC is on in
 * both browsers' offers already (`useinbandfec=1`), inside RED too.
 *
 * @module
 */

/** Puts `audio/red` first among the codecs of an audio transceiver, where the browser has it. */
export function preferRed(transceiver: RTCRtpTransceiver): void {
  const codecs = globalThis.RTCRtpReceiver?.getCapabilities?.("audio")?.codecs ?? [];
  const red = codecs.filter((codec) => codec.mimeType.toLowerCase() === "audio/red");
  if (!red.length || !transceiver.setCodecPreferences) return;
  try {
    transceiver.setCodecPreferences([...red, ...codecs.filter((codec) => !red.includes(codec))]);
  } catch {
    // A browser that refuses the list keeps its own order.
  }
}

/** The voice's encoding: ahead of the video for bandwidth (and in the network, where marked). */
export const VOICE_ENCODING = { priority: "high", networkPriority: "high" } as const;

/** Gives the voice's sender its priority (a transceiver made without its encoding). */
export async function voiceFirst(sender: RTCRtpSender): Promise<void> {
  const parameters = sender.getParameters();
  if (!parameters.encodings?.length) return;
  for (const encoding of parameters.encodings) Object.assign(encoding, VOICE_ENCODING);
  await sender.setParameters(parameters).catch(() => {});
}
