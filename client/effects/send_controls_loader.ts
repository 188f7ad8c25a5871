/**
 * A peer connection's send controls (`send_controls.ts`), loaded when its call starts: they are
 * not on a first visit's path (the room page's first visit stays within its budget). Until they
 * arrive, the latest scale and limits wait and are applied then; a track sent meanwhile is itself.
 *
 * @module
 */
import type { SendLimits } from "../../machines/call_types.ts";
import type { SendControls } from "./send_controls.ts";

/** The send controls of `pc`, from the moment they are loaded; `scale` as in `sendControls`. */
export function loadSendControls(pc: RTCPeerConnection, scale: number): SendControls {
  let controls: SendControls | null = null;
  let limits: SendLimits | null = null;
  let stopped = false;
  import("./send_controls.ts").then(({ sendControls }) => {
    if (stopped) return;
    controls = sendControls(pc, scale);
    if (limits) controls.limit(limits);
    else controls.apply();
  }, (error) => console.warn("Parley: the send controls could not be loaded.", error));
  return {
    scale(by) {
      scale = by;
      controls?.scale(by);
    },
    limit(next) {
      limits = next;
      controls?.limit(next);
    },
    original: (track) => controls ? controls.original(track) : track,
    replaced: () => controls?.replaced(),
    apply: () => controls?.apply(),
    stop() {
      stopped = true;
      controls?.stop();
    },
  };
}
