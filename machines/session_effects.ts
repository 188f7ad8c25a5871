/**
 * The effects the session names, and the one place that hands them to it and to each of its
 * negotiations: the server connection (`signaling`), the connection made while waiting alone
 * (`warmPeer`) and each peer connection (`peerConnection`). The browser's are in client/ (the
 * call's chunk provides them, `client/page/call_chunk.ts`), the tests' fakes in tests/helpers/.
 *
 * @module
 */
import { type EventObject, fromCallback } from "xstate";
import type { PeerCommand, PeerInput, WarmPeerInput } from "./peer_types.ts";
import type { SignalingCommand, SignalingInput } from "./signaling_types.ts";
import { negotiationMachine } from "./negotiation_machine.ts";
import { type SessionMachine, sessionMachine } from "./session_machine.ts";

/** The effects the session and its negotiations name, as the browser or a test implements them. */
export interface SessionEffects {
  signaling: ReturnType<typeof fromCallback<SignalingCommand, SignalingInput>>;
  peerConnection: ReturnType<typeof fromCallback<PeerCommand, PeerInput>>;
  /** A peer connection made ahead of time, which `peerConnection` adopts when it fits. */
  warmPeer: ReturnType<typeof fromCallback<EventObject, WarmPeerInput>>;
}

/** The session machine with its effects provided, its negotiations' included. */
export function provideSessionEffects(effects: SessionEffects): SessionMachine {
  const negotiation = negotiationMachine.provide({
    actors: { peerConnection: effects.peerConnection },
  });
  return sessionMachine.provide({
    actors: { signaling: effects.signaling, warmPeer: effects.warmPeer, negotiation },
  });
}
