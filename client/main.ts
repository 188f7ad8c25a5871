/**
 * The room page's entry point: starts the call machine with the browser's actors and binds the
 * page to it.
 *
 * @module
 */
import { createActor } from "xstate";
import { callMachine } from "../machines/call_machine.ts";
import { captureMedia } from "./media.ts";
import { peerConnection } from "./peer_connection.ts";
import { signaling } from "./signaling.ts";
import { mountCallPage } from "./ui.ts";

const roomId = decodeURIComponent(location.pathname.split("/")[2] ?? "");
const actor = createActor(
  callMachine.provide({ actors: { captureMedia, signaling, peerConnection } }),
  { input: { roomId } },
);
mountCallPage(actor);
actor.start();
actor.send({ type: "user.start" });
