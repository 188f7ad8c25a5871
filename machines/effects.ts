/**
 * The effects the call machines name, and the one place that hands them to all of them: the
 * call (`localMedia`, `lobby`, `screenShare`, `warmPeer`), its session (`signaling`, `warmPeer`),
 * each negotiation (`peerConnection`) and the processing of the camera and microphone
 * (`noiseFilter`, `backgroundBlur`). The browser's are in client/, the tests' fakes in
 * tests/helpers/.
 *
 * @module
 */
import { type EventObject, fromCallback } from "xstate";
import { callMachine } from "./call_machine.ts";
import type { MediaCommand, MediaKind, ShareInput } from "./media_types.ts";
import type { PeerCommand, PeerInput, WarmPeerInput } from "./peer_types.ts";
import type { SignalingCommand, SignalingInput } from "./signaling_types.ts";
import { negotiationMachine } from "./negotiation_machine.ts";
import type {
  ProcessingCommand,
  ProcessingInput,
  ProcessingMachine,
} from "./processing_machine.ts";
import { sessionMachine } from "./session_machine.ts";

/** The effects the call machines name, as the browser or a test implements them. */
export interface CallEffects {
  lobby: ReturnType<typeof fromCallback<{ type: "refresh" }, { roomId: string }>>;
  localMedia: ReturnType<typeof fromCallback<MediaCommand, Record<MediaKind, boolean>>>;
  signaling: ReturnType<typeof fromCallback<SignalingCommand, SignalingInput>>;
  peerConnection: ReturnType<typeof fromCallback<PeerCommand, PeerInput>>;
  screenShare: ReturnType<typeof fromCallback<{ type: "stop" }, ShareInput>>;
  /** A peer connection made ahead of time, which `peerConnection` adopts when it fits. */
  warmPeer: ReturnType<typeof fromCallback<EventObject, WarmPeerInput>>;
  /**
   * Noise suppression and background blur: the processing machine with its effects' actors
   * (`processingWith` in processing_machine.ts), or an actor standing for it (the browser's loads
   * it when an effect is to run). Optional: without it, switching an effect on does nothing.
   */
  processing?: ProcessingLogic;
}

/** What runs noise suppression and background blur for the call machine. */
export type ProcessingLogic =
  | ProcessingMachine
  | ReturnType<typeof fromCallback<ProcessingCommand, ProcessingInput>>;

/** The call machine with its children's effects provided, all the way down. */
export function provideEffects(effects: CallEffects): typeof callMachine {
  const negotiation = negotiationMachine.provide({
    actors: { peerConnection: effects.peerConnection },
  });
  const session = sessionMachine.provide({
    actors: { signaling: effects.signaling, warmPeer: effects.warmPeer, negotiation },
  });
  return callMachine.provide({
    actors: {
      localMedia: effects.localMedia,
      lobby: effects.lobby,
      screenShare: effects.screenShare,
      warmPeer: effects.warmPeer,
      session,
      // A machine and the actor standing for it take and send the same events.
      processing: (effects.processing ?? fromCallback(() => {})) as ReturnType<
        typeof fromCallback<ProcessingCommand, ProcessingInput>
      >,
    },
  });
}
