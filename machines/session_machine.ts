/**
 * The time a person spends in a room, from Join to hang-up: the signaling connection and its
 * recovery, the seat, and the other person coming and going.
 *
 * - **Server**: connect and join; when the connection drops, try again after 0.25 s, doubling up
 *   to 1 s (spread by the jitter the signaling actor draws); a device whose network is back tries
 *   at once. The first connection counts as unreachable after three failed attempts.
 * - **Room**: joining, then waiting alone or talking; talking invokes one negotiation
 *   (`negotiation_machine.ts`) per peer connection. A new page on the other side means a new
 *   peer connection; the same page back after a blip keeps it. Back after our held seat expired
 *   (`seat: "expired"`), the other side has dropped our connection: start a new one.
 *
 * It is invoked by the call machine while the person is in the call, reports failures with
 * `session.failed` and finishes (a final state) once the person has left. Tags: `joining`,
 * `waiting`, `talking`, `reconnecting`, `leaving`.
 *
 * @module
 */
import { assign, not } from "xstate";
import { sessionSetup } from "./session_setup.ts";

export { ATTEMPTS_BEFORE_UNREACHABLE, type SessionEvent } from "./session_setup.ts";

/** The session machine; `signaling` (and the negotiation's peer connection) are provided. */
export const sessionMachine = sessionSetup.createMachine({
  id: "session",
  context: ({ input }) => ({
    roomId: input.roomId,
    stream: input.stream,
    polite: false,
    iceServers: [],
    relayOnly: input.relayOnly ?? false,
    iceTransportPolicy: input.relayOnly ? "relay" : "all",
    peerSession: null,
    initiator: false,
    offered: false,
    peerAbsence: null,
    joinedOnce: false,
    attempts: 0,
    jitter: 1,
    connectionFailure: null,
    warm: input.warm ?? null,
  }),
  invoke: {
    id: "signaling",
    src: "signaling",
    input: ({ context }) => ({
      roomId: context.roomId,
      relayOnly: context.relayOnly,
      warm: context.warm,
    }),
  },
  initial: "active",
  states: {
    active: {
      type: "parallel",
      on: {
        "user.hangUp": "leaving",
        "media.added": { actions: assign({ stream: ({ event }) => event.stream }) },
        "media.replaced": { actions: assign({ stream: ({ event }) => event.stream }) },
        "signal.rejected": [
          { guard: "roomFull", actions: { type: "fail", params: { kind: "room-full" } } },
          {
            actions: {
              type: "fail",
              params: ({ event }) => ({ kind: "rejected", error: event.error }),
            },
          },
        ],
        "signal.seatTaken": { actions: { type: "fail", params: { kind: "replaced" } } },
        "signal.iceServers": { actions: assign({ iceServers: ({ event }) => event.iceServers }) },
      },
      states: {
        server: {
          initial: "connecting",
          states: {
            connecting: {
              tags: ["connecting"],
              entry: { type: "tellServer", params: { type: "connect" } },
              on: {
                "signal.joined": { target: "online", actions: "takeSeat" },
                "signal.restored": { target: "online", actions: "takeSeat" },
                "signal.connectFailed": [
                  { guard: "mayRetry", target: "backingOff", actions: "countAttempt" },
                  { actions: { type: "fail", params: { kind: "unreachable" } } },
                ],
              },
            },
            backingOff: {
              tags: ["connecting"],
              on: { "network.online": "connecting" },
              after: { backoff: "connecting" },
            },
            online: {
              on: { "signal.lost": { target: "backingOff", actions: "countAttempt" } },
            },
          },
        },
        room: {
          initial: "joining",
          states: {
            joining: {
              tags: ["joining"],
              on: {
                "signal.joined": [
                  {
                    guard: "peerPresent",
                    target: "talking",
                    actions: { type: "meetPeer", params: "offering" },
                  },
                  { target: "waiting" },
                ],
              },
            },
            waiting: {
              tags: ["waiting"],
              // The peer connection for whoever comes, made now: their offer has less to wait for.
              invoke: {
                src: "warmPeer",
                input: ({ context }) => ({
                  iceServers: context.iceServers,
                  iceTransportPolicy: context.iceTransportPolicy,
                  stream: context.stream,
                  initiator: false,
                  offer: false,
                }),
              },
              on: {
                "warm.made": { actions: assign({ warm: ({ event }) => event.warm }) },
                "peer.joined": {
                  target: "talking",
                  actions: { type: "meetPeer", params: "answering" },
                },
                "peer.left": {
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "signal.restored": {
                  guard: "seatExpiredPeerStayed",
                  target: "talking",
                  actions: { type: "meetPeer", params: "offering" },
                },
              },
            },
            talking: {
              tags: ["talking"],
              invoke: {
                id: "negotiation",
                src: "negotiation",
                input: ({ context }) => ({
                  iceServers: context.iceServers,
                  iceTransportPolicy: context.iceTransportPolicy,
                  polite: context.polite,
                  initiator: context.initiator,
                  offered: context.offered,
                  stream: context.stream,
                  warm: context.warm,
                }),
              },
              on: {
                "peer.joined": [
                  // The same page back after a blip: the media may never have stopped.
                  {
                    guard: "samePeer",
                    actions: [
                      { type: "noteAbsence", params: null },
                      { type: "tellNegotiation", params: { type: "peer.returned" } },
                    ],
                  },
                  // A new page on the other side: a new peer connection for it.
                  {
                    target: "talking",
                    reenter: true,
                    actions: { type: "meetPeer", params: "answering" },
                  },
                ],
                "peer.left": {
                  target: "waiting",
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "peer.away": [
                  // Their page closed or reloaded: that peer connection is gone for good.
                  {
                    guard: "peerClosed",
                    target: "waiting",
                    actions: { type: "noteAbsence", params: "closed" },
                  },
                  // Their connection went silent: the media may still flow, or come back.
                  { actions: [{ type: "noteAbsence", params: "away" }, "toNegotiation"] },
                ],
                "signal.restored": [
                  // Our seat expired meanwhile: the other side dropped this connection.
                  {
                    guard: "seatExpiredPeerStayed",
                    target: "talking",
                    reenter: true,
                    actions: { type: "meetPeer", params: "offering" },
                  },
                  {
                    guard: "seatExpired",
                    target: "waiting",
                    actions: { type: "meetPeer", params: "alone" },
                  },
                  { actions: "toNegotiation" },
                ],
                "signal.lost": { actions: "toNegotiation" },
                "signal.message": { actions: "toNegotiation" },
                "signal.iceServers": { actions: ["keepIceServers", "toNegotiation"] },
                "media.added": { actions: ["keepStream", "toNegotiation"] },
                "media.replaced": { actions: ["keepStream", "toNegotiation"] },
                "negotiation.signal": {
                  actions: {
                    type: "tellServer",
                    params: ({ event }) => ({ type: "send", message: event.message }),
                  },
                },
                "negotiation.abandoned": "waiting",
                "negotiation.failed": {
                  target: "failed",
                  actions: assign({ connectionFailure: ({ event }) => event.reason }),
                },
              },
            },
            // The browsers could not connect (or reconnect): said, with the seat kept, so the
            // other person is not told this one left. Retry starts a new peer connection.
            failed: {
              tags: ["failed"],
              on: {
                "user.retry": {
                  target: "talking",
                  actions: [
                    assign({ connectionFailure: null }),
                    { type: "meetPeer", params: "offering" },
                  ],
                },
                "peer.joined": {
                  guard: not("samePeer"),
                  target: "talking",
                  actions: [
                    assign({ connectionFailure: null }),
                    { type: "meetPeer", params: "answering" },
                  ],
                },
                "peer.left": {
                  target: "waiting",
                  actions: { type: "noteAbsence", params: ({ event }) => event.reason },
                },
                "peer.away": {
                  guard: "peerClosed",
                  target: "waiting",
                  actions: { type: "noteAbsence", params: "closed" },
                },
              },
            },
          },
        },
      },
    },
    // Hanging up: tell the server the seat is given up, then finish (or finish anyway).
    leaving: {
      tags: ["leaving"],
      entry: { type: "tellServer", params: { type: "leave" } },
      on: { "signal.left": "left" },
      after: { leaveTimeout: "left" },
    },
    left: { type: "final" },
  },
});
