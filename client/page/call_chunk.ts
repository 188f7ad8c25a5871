/**
 * What the room page loads when the person reaches for Join (one chunk, so that the first visit
 * stays small): the call screen, the session with its machines and the peer connection
 * (`callSession`), the bodies of the connection made ahead, screen share and processing actors
 * (`effects/deferred_actor.ts`), the devices dialog, the list of shortcuts, and the switches of
 * noise suppression and background blur (the pre-join screen shows them once this has loaded).
 *
 * @module
 */
import { fromCallback } from "xstate";
import type { SessionMachine } from "../../machines/session_machine.ts";
import { provideSessionEffects, type SessionEffects } from "../../machines/session_effects.ts";
import { type SettingsTarget, showSettings } from "../devices/devices_panel.ts";
import { runPeerConnection } from "../effects/peer_connection.ts";
import { showHelp as showShortcuts } from "./help_overlay.ts";
import { SHORTCUTS } from "./shortcuts.ts";

export { callScreen } from "./call_screen.ts";
export { runScreenShare } from "../screen_share/screen_share.ts";
export { runWarmPeer } from "../effects/warm_peer.ts";
export { runProcessingHost } from "../processing/processing_host.ts";
export { effectControls } from "../processing/effect_controls.ts";

/** Opens the devices dialog; the speaker applies to the other person's picture, if shown. */
export function showDevices(target: Omit<SettingsTarget, "remote">): void {
  const remote = document.getElementById("remote-video") as HTMLMediaElement | null;
  showSettings({ ...target, remote });
}

/** Opens the list of keyboard shortcuts. */
export function showHelp(): void {
  showShortcuts(SHORTCUTS);
}

/**
 * The session machine (`session_machine.ts`, with its negotiations) and the browser's effects:
 * the page's server connection and connection made ahead, this chunk's peer connection.
 */
export function callSession(page: Omit<SessionEffects, "peerConnection">): SessionMachine {
  return provideSessionEffects({ ...page, peerConnection: fromCallback(runPeerConnection) });
}
