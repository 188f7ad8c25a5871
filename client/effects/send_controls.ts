/**
 * How a peer connection sends: the voice first, and the video within the limits it is given.
 *
 * - **The voice** keeps the priority `voice_first.ts` gives it; its bitrate follows the limits
 *   (thinner while the picture is paused).
 * - **The video's encoding** is one place: its own scale (a call's first seconds and the seconds
 *   after an ICE restart go out smaller, see `peer_connection.ts`) combined with the limits the
 *   adaptation sets ({@linkcode SendLimits}): the smaller picture wins.
 * - **A fresh source.** When the limits ask for it, the camera's track is sent as a clone of
 *   itself: to the browser a new source, so it forgets the lower resolutions it had adapted down
 *   to and sends the size asked for at once. The clone is this module's to stop.
 *
 * It comes with the call's chunk (`page/call_chunk.ts`), as the peer connection does: it is not
 * on a first visit's path.
 *
 * @module
 */
import type { SendLimits } from "../../machines/peer_types.ts";
import { tighter } from "../adaptation/send_levels.ts";

/** The encodings of a connection's senders, kept within limits. */
export interface SendControls {
  /** The video's own scale-down (1: as captured). */
  scale(by: number): void;
  /** New limits (what the adaptation decided). */
  limit(limits: SendLimits): void;
  /**
   * A cap on top of the adaptation's limits (a group call's share of the uplink,
   * `meshLimits`): the smaller of the two wins.
   */
  cap(limits: SendLimits): void;
  /** The track a sender sends stands for this one (its clone's original, else itself). */
  original(track: MediaStreamTrack | null): MediaStreamTrack | null;
  /** A sender got a new track from the call: a clone sent before is let go. */
  replaced(): void;
  /** Applies everything again (a track was attached). */
  apply(): void;
  stop(): void;
}

/** The send controls of `pc`; `scale` is the video's own scale to begin with. */
export function sendControls(pc: RTCPeerConnection, scale: number): SendControls {
  let limits: SendLimits = {};
  let capped: SendLimits = {};
  let fresh: number | undefined;
  let clone: { original: MediaStreamTrack; track: MediaStreamTrack } | null = null;
  let chain = Promise.resolve();

  const sender = (kind: string) =>
    pc.getTransceivers().find((t) =>
      t.currentDirection !== "stopped" && t.receiver.track.kind === kind
    )?.sender;

  const encode = async (kind: "audio" | "video", change: (e: RTCRtpEncodingParameters) => void) => {
    const s = sender(kind);
    if (!s?.track) return;
    const parameters = s.getParameters();
    if (!parameters.encodings?.length) return;
    for (const encoding of parameters.encodings) change(encoding);
    await s.setParameters(parameters).catch(() => {});
  };

  const setOrDrop = <K extends keyof RTCRtpEncodingParameters>(
    e: RTCRtpEncodingParameters,
    key: K,
    value: RTCRtpEncodingParameters[K] | undefined,
  ) => value === undefined ? delete e[key] : (e[key] = value);

  /**
   * The video's degradation preference, where the browser takes it (Chromium reads it from the
   * track's content hint instead, which the camera and the screen share set): a camera keeps its
   * frame rate, a screen its resolution.
   */
  let preferred: string | undefined;
  const prefer = async () => {
    const s = sender("video");
    const wanted = s?.track?.contentHint === "detail"
      ? "maintain-resolution"
      : "maintain-framerate";
    if (!s?.track || preferred === wanted) return;
    preferred = wanted;
    const parameters = s.getParameters() as RTCRtpSendParameters & {
      degradationPreference?: string;
    };
    parameters.degradationPreference = wanted;
    await s.setParameters(parameters).catch(() => {});
  };

  const renew = async () => {
    const s = sender("video");
    const track = s?.track;
    if (!s || !track || track.readyState !== "live") return;
    const next = { original: clone?.original ?? track, track: track.clone() };
    await s.replaceTrack(next.track);
    clone?.track.stop();
    clone = next;
  };

  const apply = () => {
    const wanted = tighter(limits, capped);
    chain = chain.then(async () => {
      if (wanted.fresh !== fresh) {
        fresh = wanted.fresh;
        await renew();
      }
      await encode("video", (e) => {
        const height = sender("video")?.track?.getSettings().height;
        const byHeight = wanted.height && height ? height / wanted.height : 1;
        e.scaleResolutionDownBy = Math.max(1, scale, byHeight);
        setOrDrop(e, "maxBitrate", wanted.maxBitrate);
        setOrDrop(e, "maxFramerate", wanted.maxFramerate);
      });
      await prefer();
      await encode("audio", (e) => {
        // Again at every change: a sender's encodings can come back from a negotiation reset.
        e.priority = e.networkPriority = "high";
        setOrDrop(e, "maxBitrate", wanted.audioMaxBitrate);
      });
    }).catch(() => {});
  };

  return {
    scale(by) {
      scale = by;
      apply();
    },
    limit(next) {
      limits = next;
      apply();
    },
    cap(next) {
      capped = next;
      apply();
    },
    original: (track) => track && clone?.track === track ? clone.original : track,
    replaced() {
      clone?.track.stop();
      clone = null;
    },
    apply,
    stop() {
      clone?.track.stop();
    },
  };
}
