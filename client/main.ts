/**
 * The room page's entry point: starts the call machine with the browser's actors and binds the
 * page to it.
 *
 * @module
 */
import { createActor } from "xstate";
import { provideEffects } from "../machines/call_machine.ts";
import { localMedia } from "./media.ts";
import { peerConnection } from "./peer_connection.ts";
import { screenShare } from "./screen_share.ts"; // extras (issue 11)
import { mountExtrasWhenJoined } from "./extras_loader.ts"; // extras (issue 11)
import { lobby, signaling } from "./signaling.ts";
import { mountCallPage } from "./ui.ts";

const roomId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const actor = createActor(
  provideEffects({ lobby, localMedia, signaling, peerConnection, screenShare }),
  { input: { roomId }, inspect: await loadInspector() },
);
mountCallPage(actor);
mountExtrasWhenJoined(actor); // extras (issue 11)
actor.start();
actor.send({ type: "user.start" });

/**
 * With `?inspect` in the address, the Stately inspector, to watch this call's states, events and
 * context live. Loaded only then: it is a chunk of its own, not part of app.js.
 */
async function loadInspector() {
  if (!new URLSearchParams(location.search).has("inspect")) return undefined;
  try {
    const { createBrowserInspector } = await import("@statelyai/inspect");
    return createBrowserInspector().inspect;
  } catch (error) {
    console.warn("Parley: the Stately inspector could not be loaded.", error);
    return undefined;
  }
}
