/**
 * The effects the call machine names, and the one place that hands them to it: the camera and
 * microphone (`localMedia`), the room's occupancy before joining (`lobby`), the screen share
 * (`screenShare`), the connection made ahead (`warmPeer`), the processing of the camera and
 * microphone (`processing`), and the session with its own effects (`loadSession`, made with
 * `provideSessionEffects` in session_effects.ts). The browser's are in client/, the tests' fakes
 * in tests/helpers/.
 *
 * This module leaves the session's code out (it only names its type): the room page's first
 * bundle holds the call machine, and the session comes with the call's chunk.
 *
 * @module
 */
import { type EventObject, fromCallback, fromPromise } from "xstate";
import { callMachine } from "./call_machine.ts";
import type { MediaCommand, MediaKind, ShareInput } from "./media_types.ts";
import type { WarmPeerInput } from "./peer_types.ts";
import type {
  ProcessingCommand,
  ProcessingInput,
  ProcessingMachine,
} from "./processing_machine.ts";
import type { SessionMachine } from "./session_machine.ts";

/** The effects the call machine names, as the browser or a test implements them. */
export interface CallEffects {
  lobby: ReturnType<typeof fromCallback<{ type: "refresh" }, { roomId: string }>>;
  localMedia: ReturnType<typeof fromCallback<MediaCommand, Record<MediaKind, boolean>>>;
  screenShare: ReturnType<typeof fromCallback<{ type: "stop" }, ShareInput>>;
  /** A peer connection made ahead of time, which the call's first one adopts when it fits. */
  warmPeer: ReturnType<typeof fromCallback<EventObject, WarmPeerInput>>;
  /**
   * The session machine with its effects provided (`provideSessionEffects`), when the person
   * joins: the browser's loads it with the call's chunk, the tests' have it at once.
   */
  loadSession: ReturnType<typeof fromPromise<SessionMachine>>;
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

/** The call machine with its effects provided (the session's come with `loadSession`). */
export function provideEffects(effects: CallEffects): typeof callMachine {
  return callMachine.provide({
    actors: {
      localMedia: effects.localMedia,
      lobby: effects.lobby,
      screenShare: effects.screenShare,
      warmPeer: effects.warmPeer,
      loadSession: effects.loadSession,
      // A machine and the actor standing for it take and send the same events.
      processing: (effects.processing ?? fromCallback(() => {})) as ReturnType<
        typeof fromCallback<ProcessingCommand, ProcessingInput>
      >,
    },
  });
}
