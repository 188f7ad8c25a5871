/**
 * The call machine's pre-join screen (`live.preJoin` in `call_machine.ts`): the room's status
 * asked before the camera, the camera and microphone captured, then ready to join with a peer
 * connection made ahead so that Join has nothing to wait for.
 *
 * @module
 */
import { assign, not, sendTo } from "xstate";
import { callSetup } from "./call_setup.ts";
import { effectUnavailable } from "./effect_status.ts";

/** Getting ready: the camera and microphone, and who is in the room already. */
export const preJoinState = callSetup.createStateConfig({
  invoke: {
    id: "lobby",
    src: "lobby",
    input: ({ context }) => ({ roomId: context.roomId }),
  },
  on: {
    // The room's status came late (a slow server): full is said even so, not left for
    // the server to refuse the Join.
    "lobby.status": [
      { guard: "roomIsFull", target: ".full", actions: "noteMembers" },
      { actions: "noteMembers" },
    ],
  },
  initial: "checking",
  states: {
    // Before the camera prompt: no use asking for it to join a full room.
    checking: {
      on: {
        "lobby.status": [
          { guard: "roomIsFull", target: "full", actions: "noteMembers" },
          { target: "capturing", actions: "noteMembers" },
        ],
      },
      // The server is slow or away: do not hold the camera up for it.
      after: { statusWait: "capturing" },
    },
    full: {
      tags: ["roomFull"],
      on: {
        "lobby.status": {
          guard: not("roomIsFull"),
          target: "capturing",
          actions: "noteMembers",
        },
        "user.retry": { actions: sendTo("lobby", { type: "refresh" }) },
      },
    },
    capturing: {
      entry: {
        type: "tellMedia",
        params: ({ context }) => ({
          type: "capture",
          wants: context.wants,
          // Where Parley's noise suppression can run, it replaces the browser's.
          noiseSuppression: effectUnavailable(context.effects.noise) !== null,
        }),
      },
      on: {
        "media.captured": [
          { guard: "capturedAll", target: "ready", actions: "keepCapture" },
          { target: "mediaBlocked", actions: "keepCapture" },
        ],
      },
    },
    mediaBlocked: {
      on: {
        // Go on with what could be captured, down to nothing (receive-only).
        "user.continue": "ready",
        "user.retry": "capturing",
      },
    },
    ready: {
      entry: "applySwitches",
      // The peer connection and its offer, made now so that Join has nothing to wait for.
      invoke: {
        src: "warmPeer",
        input: ({ context }) => ({
          iceServers: context.lobbyIceServers ?? [],
          iceTransportPolicy: "all",
          stream: context.stream,
          initiator: true,
          offer: context.lobbyIceServers !== null,
          others: context.roomMembers ?? 0,
        }),
      },
      always: { guard: "autoJoin", target: "#joining" },
      on: {
        "warm.made": { actions: assign({ warm: ({ event }) => event.warm }) },
        "user.join": "#joining",
        "user.toggleHideAddress": {
          guard: "relayAvailable",
          actions: assign({ hideAddress: ({ context }) => !context.hideAddress }),
        },
      },
    },
  },
});
