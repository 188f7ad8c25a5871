/**
 * A call's lifecycle, the story the page tells: the page learns who is in the room (checking),
 * the camera starts (capturing), the person checks it (ready) and joins (inCall), then hangs up
 * (ended) — or something fails and they are told how to go on (full, mediaBlocked, failed).
 *
 * What is intricate lives in child machines, each in its own file: the time in the room, with
 * the server's comings and goings (`session_machine.ts`), and each peer connection's
 * negotiation and recovery (`negotiation_machine.ts`); the pre-join screen's states are in
 * `pre_join_state.ts`. Effects are actors the machines name and the browser or the tests provide
 * (`provideEffects` in effects.ts, `provideSessionEffects` in session_effects.ts): `localMedia`
 * owns the camera and microphone (it stops their tracks when the call is over), `lobby` the room's
 * occupancy before joining, `loadSession` brings the session at Join (in the browser it comes with
 * the call's chunk, so that the first visit stays small), whose `signaling` is the server
 * connection and `peerConnection` the RTCPeerConnection.
 *
 * These files import nothing but xstate and protocol types (they run under `deno test`).
 *
 * @module
 */
import { assign } from "xstate";
import { callSetup, trackOf } from "./call_setup.ts";
import { preJoinState } from "./pre_join_state.ts";
import { effectOn, effectUnavailable } from "./effect_status.ts";

export * from "./call_types.ts";

/** The call machine; run it with `provideEffects` (effects.ts) and `createActor(..., { input })`. */
export const callMachine = callSetup.createMachine({
  id: "call",
  context: ({ input }) => ({
    roomId: input.roomId,
    wants: { audio: input.wants?.audio ?? true, video: input.wants?.video ?? true },
    stream: null,
    mediaFailure: null,
    micOn: true,
    cameraOn: true,
    failure: null,
    turningOn: null,
    roomMembers: null,
    roomCapacity: null,
    relayAvailable: false,
    lobbyIceServers: null,
    hideAddress: false,
    autoJoin: false,
    warm: null,
    unsupported: null,
    effects: { noise: input.effects?.noise ?? "off", blur: input.effects?.blur ?? "off" },
  }),
  initial: "idle",
  states: {
    idle: {
      on: {
        "user.start": [
          {
            guard: "unsupported",
            target: "unsupported",
            actions: assign({
              unsupported: ({ event }) => event.unsupported ?? null,
            }),
          },
          { target: "live" },
        ],
      },
    },
    // This browser cannot make a call: no camera, no server, no seat; the page says what to do.
    unsupported: { tags: ["unsupported"] },
    // The camera and microphone are ours while here; leaving stops them.
    live: {
      invoke: [
        { id: "media", src: "localMedia", input: ({ context }) => context.wants },
        // Noise suppression and blur, between the camera and microphone and what is sent.
        {
          id: "processing",
          src: "processing",
          input: ({ context: { effects } }) => ({
            on: { noise: effectOn(effects.noise), blur: effectOn(effects.blur) },
            unavailable: {
              noise: effectUnavailable(effects.noise),
              blur: effectUnavailable(effects.blur),
            },
            sources: { audio: null, video: null },
          }),
        },
      ],
      exit: [assign({ stream: null }), "effectsStopped"],
      on: {
        "media.replaced": { actions: assign({ stream: ({ event }) => event.stream }) },
        "media.sources": { actions: { type: "tellProcessing", params: ({ event }) => event } },
        "processing.output": {
          actions: [
            "noteEffect",
            {
              type: "tellMedia",
              params: ({ event }) => ({ type: "process", kind: event.kind, track: event.track }),
            },
          ],
        },
        "processing.failed": [
          {
            guard: "noiseFailed",
            actions: [
              "noteEffect",
              { type: "tellMedia", params: { type: "browserNoiseSuppression" } },
            ],
          },
          { actions: "noteEffect" },
        ],
        // (One the browser cannot run stays as it is: the switch is disabled, the processing
        // machine never starts it.)
        "user.toggleEffect": {
          actions: [
            "toggleEffect",
            {
              type: "tellProcessing",
              params: ({ context, event }) => ({
                type: "processing.set",
                effect: event.effect,
                on: effectOn(context.effects[event.effect]),
              }),
            },
          ],
        },
        "user.toggleMic": {
          actions: [assign({ micOn: ({ context }) => !context.micOn }), "applySwitches"],
        },
        "user.toggleCamera": {
          actions: [assign({ cameraOn: ({ context }) => !context.cameraOn }), "applySwitches"],
        },
        "user.useDevice": {
          actions: {
            type: "tellMedia",
            params: ({ event }) => ({ type: "use", kind: event.kind, deviceId: event.deviceId }),
          },
        },
      },
      initial: "preJoin",
      states: {
        // Getting ready: the camera and microphone, and who is in the room already.
        preJoin: preJoinState,
        // Join pressed: the session's code arrives (at once when the call's chunk came while the
        // person got ready), then the session starts.
        joining: {
          id: "joining",
          invoke: {
            id: "loadSession",
            src: "loadSession",
            onDone: {
              target: "inCall",
              actions: { type: "startSession", params: ({ event }) => event.output },
            },
            onError: {
              target: "failed",
              actions: assign({ failure: { kind: "unreachable" } }),
            },
          },
          on: { "user.hangUp": "#call.ended" },
        },
        // The session runs while here (`session_machine.ts`: started by `startSession`).
        inCall: {
          entry: [
            assign({ autoJoin: false }),
            { type: "tellProcessing", params: { type: "call.joined" } },
          ],
          exit: "stopSession",
          on: {
            // The person has left (the session's final state).
            "xstate.done.actor.session": "#call.ended",
            "user.hangUp": {
              actions: { type: "tellSession", params: { type: "user.hangUp" } },
            },
            // The browsers could not connect: the session tries a new peer connection.
            "user.retry": { actions: { type: "tellSession", params: { type: "user.retry" } } },
            // Another camera, the camera back on, a screen: sent without renegotiating.
            "media.replaced": {
              actions: [
                assign({ stream: ({ event }) => event.stream }),
                { type: "tellSession", params: ({ event }) => event },
              ],
            },
            "session.failed": {
              target: "failed",
              actions: assign({ failure: ({ event }) => event.failure }),
            },
            // No track of that kind yet: pressing its switch starts one and adds it to the call.
            "user.toggleMic": {
              guard: { type: "lacks", params: "audio" },
              target: ".adding",
              actions: assign({ turningOn: "audio" }),
            },
            "user.toggleCamera": {
              guard: { type: "lacks", params: "video" },
              target: ".adding",
              actions: assign({ turningOn: "video" }),
            },
          },
          initial: "steady",
          states: {
            steady: { on: { "user.shareScreen": "sharing" } },
            // The screen goes out in place of the camera, which comes back
            // when sharing ends (Parley's button, or the browser's own "Stop sharing").
            sharing: {
              tags: ["sharing"],
              invoke: {
                src: "screenShare",
                input: ({ context }) => ({ microphone: trackOf(context.stream, "audio") }),
              },
              // The camera and the microphone alone again (a no-op for what was not replaced).
              exit: [
                {
                  type: "sendTrack",
                  params: ({ context }) => ({
                    kind: "video",
                    track: trackOf(context.stream, "video"),
                  }),
                },
                {
                  type: "sendTrack",
                  params: ({ context }) => ({
                    kind: "audio",
                    track: trackOf(context.stream, "audio"),
                  }),
                },
              ],
              on: {
                // The camera changed underneath (another one, blur on or off): the screen stays.
                "media.replaced": {
                  guard: "videoReplaced",
                  actions: assign({ stream: ({ event }) => event.stream }),
                },
                "share.started": {
                  actions: [
                    {
                      type: "sendTrack",
                      params: ({ event }) => ({ kind: "video", track: event.track }),
                    },
                    // The tab's sound, mixed with the microphone, where the browser shares it.
                    {
                      type: "sendTrack",
                      params: ({ context, event }) => ({
                        kind: "audio",
                        track: event.audio ?? trackOf(context.stream, "audio"),
                      }),
                    },
                  ],
                },
                "share.ended": "steady",
                "user.stopSharing": "steady",
              },
            },
            adding: {
              tags: ["addingMedia"],
              entry: {
                type: "tellMedia",
                params: ({ context }) => ({ type: "add", kind: context.turningOn ?? "video" }),
              },
              exit: assign({ turningOn: null }),
              on: {
                "media.added": {
                  target: "steady",
                  actions: [
                    "keepAdded",
                    "applySwitches",
                    {
                      type: "tellSession",
                      params: ({ event }) => ({ type: "media.added", stream: event.stream }),
                    },
                  ],
                },
                "media.refused": {
                  target: "refused",
                  actions: assign({ mediaFailure: ({ event }) => event.failure }),
                },
              },
            },
            // It could not be had: the page says why; pressing the switch again tries again.
            refused: { tags: ["mediaRefused"] },
          },
        },
        failed: {
          on: {
            "user.retry": { target: "joining", actions: assign({ failure: null }) },
            "user.hangUp": "#call.ended",
          },
        },
      },
    },
    // Left the call: Rejoin goes straight back in, with the same switches.
    ended: {
      on: { "user.retry": { target: "live", actions: assign({ failure: null, autoJoin: true }) } },
    },
  },
});

/** The call machine's type, for code that runs it. */
export type CallMachine = typeof callMachine;
