/**
 * The room page's entry point: starts the call machine with the browser's actors and binds the
 * page to it.
 *
 * @module
 */
import { createActor } from "xstate";
import { provideEffects } from "../machines/effects.ts";
import { localMedia } from "./media.ts";
import { peerConnection } from "./peer_connection.ts";
import { warmPeer } from "./warm_peer.ts";
import { screenShare } from "./screen_share.ts"; // extras (issue 11)
import { mountExtrasWhenJoined } from "./extras_loader.ts"; // extras (issue 11)
import { lobby, signaling } from "./signaling.ts";
import { mountCallPage } from "./ui.ts";

const roomId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const actor = createActor(
  provideEffects({ lobby, localMedia, signaling, peerConnection, screenShare, warmPeer }),
  { input: { roomId }, inspect: await loadInspector() },
);
mountCallPage(actor);
mountExtrasWhenJoined(actor); // extras (issue 11)
actor.start();
actor.send({ type: "user.start" });

/**
 * Where the build put the inspector's bundle (`client/inspector.ts`); filled in by the build.
 * Outside a build (type checks, tests of other modules) it is not defined.
 */
declare const PARLEY_INSPECTOR_URL: string;

/**
 * With `?inspect` in the address, the Stately inspector, to watch this call's states, events and
 * context live. Loaded only then: a bundle of its own, not part of the page's.
 */
async function loadInspector() {
  if (!new URLSearchParams(location.search).has("inspect")) return undefined;
  try {
    const url = PARLEY_INSPECTOR_URL;
    const { createBrowserInspector } = await import(url) as typeof import("./inspector.ts");
    return createBrowserInspector().inspect;
  } catch (error) {
    console.warn("Parley: the Stately inspector could not be loaded.", error);
    return undefined;
  }
}
