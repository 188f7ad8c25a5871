/**
 * The room page's entry point: finds what the browser can do, starts the call machine with the
 * browser's actors and binds the page to it.
 *
 * @module
 */
import { createActor, fromPromise } from "xstate";
import type { Unsupported } from "../machines/call_types.ts";
import type { ProcessingCommand, ProcessingInput } from "../machines/processing_machine.ts";
import { provideEffects } from "../machines/effects.ts";
import { deferredActor } from "./effects/deferred_actor.ts";
import { localMedia } from "./effects/media.ts";
import { lobby, signaling } from "./effects/signaling.ts";
import { callChunkArrived, loadCallChunk, mountCallPage } from "./page/call_page.ts";
import { startingEffects } from "./processing/settings.ts";
import { applyTheme } from "./ui/theme.ts";

applyTheme();

/** What this browser lacks for a call, if anything (a WebView, an old browser, plain http). */
function unsupported(): Unsupported | null {
  if (typeof RTCPeerConnection !== "function") return "webrtc";
  if (!isSecureContext) return "insecure";
  if (typeof navigator.mediaDevices?.getUserMedia !== "function") return "media";
  return null;
}

const roomId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
// The peer connection made ahead, the session (with the peer connection's code) and the screen
// share's code come with the call's chunk, fetched while the person looks at the pre-join
// screen: Join rarely waits for it. The connection made ahead waits for the chunk (never fetches
// it itself), so a first visit stays small; a Join pressed before it arrives makes its
// connection then.
const warmPeer = deferredActor(
  () => callChunkArrived().then((c) => c.runWarmPeer),
  { type: "warm.unavailable" },
);
const actor = createActor(
  provideEffects({
    lobby,
    localMedia,
    warmPeer,
    loadSession: fromPromise(() =>
      loadCallChunk().then((c) => c.callSession({ signaling, warmPeer }))
    ),
    screenShare: deferredActor(
      () => loadCallChunk().then((c) => c.runScreenShare),
      { type: "share.ended", reason: "failed" },
    ),
    // Noise suppression and blur: what runs them comes with the call's chunk, as their switches
    // do (it never fetches the chunk itself), and loads their code only once one is to run.
    processing: deferredActor<ProcessingCommand, ProcessingInput>(
      () => callChunkArrived().then((c) => c.runProcessingHost),
      { type: "processing.unloaded" },
    ),
  }),
  { input: { roomId, effects: startingEffects() }, inspect: await loadInspector() },
);
mountCallPage(actor);
actor.start();
actor.send({ type: "user.start", unsupported: unsupported() });

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
