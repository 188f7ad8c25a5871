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
import { lobby, signaling } from "./signaling.ts";
import { mountCallPage } from "./ui.ts";

const roomId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const actor = createActor(
  provideEffects({ lobby, localMedia, signaling, peerConnection }),
  { input: { roomId }, inspect: await loadInspector() },
);
mountCallPage(actor);
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
