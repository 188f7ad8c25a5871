/**
 * What the room page loads when the person reaches for Join (one chunk, so that the first visit
 * stays small): the call screen, the bodies of the peer connection (and of the one made ahead),
 * screen share and processing actors (`effects/deferred_actor.ts`), the devices dialog, the list
 * of shortcuts, and the switches of noise suppression and background blur (the pre-join screen
 * shows them once this has loaded).
 *
 * @module
 */
import { type SettingsTarget, showSettings } from "../devices/devices_panel.ts";
import { showHelp as showShortcuts } from "./help_overlay.ts";
import { SHORTCUTS } from "./shortcuts.ts";

export { callScreen } from "./call_screen.ts";
export { runScreenShare } from "../screen_share/screen_share.ts";
export { runPeerConnection } from "../effects/peer_connection.ts";
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
