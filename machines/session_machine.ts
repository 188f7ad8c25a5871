/**
 * The time a person spends in a room, from Join to hang-up: the signaling connection and its
 * recovery, the seat, and the others coming and going.
 *
 * - **Server**: connect and join; when the connection drops, try again after 0.25 s, doubling up
 *   to 1 s (spread by the jitter the signaling actor draws); a device whose network is back tries
 *   at once. The first connection counts as unreachable after three failed attempts. A join the
 *   server refuses because it cannot seat anyone right now (`unavailable`) is tried again after
 *   2, 4 and 8 s (`busy`); a fourth refusal fails the call with the server's words.
 * - **Room**: joining, then present: one negotiation (`negotiation_machine.ts`, a peer connection)
 *   with each other person, spawned as they arrive and stopped as they leave, each on its own
 *   (one person's trouble never stalls the others'). Which ones to start, stop or tell is planned
 *   in `room_peers.ts`. A new page of someone means a new peer connection with them; the same page
 *   back after a blip keeps it. Back after our held seat expired (`seat: "expired"`), the others
 *   have dropped our connections: start new ones. Present is `waiting` while no negotiation runs,
 *   `talking` while one does (mending, after a pause, a connection with someone that failed while
 *   the others' work), `failed` when every one that ran failed.
 *
 * The call machine starts it at Join (from the code `loadSession` brought) and stops it on leaving;
 * it reports failures with `session.failed` and finishes (a final state) once the person has left.
 * Tags: `joining`,
 * `waiting`, `talking`, `connecting`, `busy`, `leaving`.
 *
 * @module
 */
import { assign, not, raise } from "xstate";
import {
  arrived,
  away,
  ended,
  leaving,
  left,
  mended,
  restored,
  retried,
  seated,
  signalled,
} from "./room_peers.ts";
import { sessionSetup } from "./session_setup.ts";

export { ATTEMPTS_BEFORE_UNREACHABLE, BUSY_RETRIES, type SessionEvent } from "./session_setup.ts";

/** The session machine; `signaling` (and the negotiation's peer connection) are provided. */
export const sessionMachine = sessionSetup.createMachine({
  id: "session",
  context: ({ input }) => ({
    roomId: input.roomId,
    stream: input.stream,
    iceServers: [],
    relayOnly: input.relayOnly ?? false,
    iceTransportPolicy: input.relayOnly ? "relay" : "all",
    peers: [],
    started: 0,
    joinedOnce: false,
    attempts: 0,
    jitter: 1,
    busyTries: 0,
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
          // The server is busy (its room store, or shutting down): join again a little later.
          { guard: "serverBusy", target: ".server.busy", actions: "countBusy" },
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
            // The server could not seat anyone: the join is tried again after `busyWait`.
            busy: {
              tags: ["connecting", "busy"],
              after: { busyWait: "connecting" },
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
                "signal.joined": {
                  target: "present",
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) =>
                      seated(context, event.joined, event.offered, event.offeredMore),
                  },
                },
              },
            },
            // In the room: one negotiation (`negotiation_machine.ts`) with each other person,
            // started as they arrive and stopped as they leave (`room_peers.ts` plans which).
            present: {
              exit: { type: "carryOut", params: ({ context }) => leaving(context) },
              on: {
                "warm.made": { actions: assign({ warm: ({ event }) => event.warm }) },
                "peer.joined": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => arrived(context, event.peer),
                  },
                },
                "peer.left": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => left(context, event.session, event.reason),
                  },
                },
                "peer.away": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => away(context, event.session, event.reason),
                  },
                },
                "signal.restored": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => restored(context, event.joined),
                  },
                },
                "negotiation.abandoned": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => ended(context, event.peer, null),
                  },
                },
                // (While others' connections work, a new one is made 3 s later: `peers.mend`.)
                "negotiation.failed": {
                  actions: [
                    {
                      type: "carryOut",
                      params: ({ context, event }) => ended(context, event.peer, event.reason),
                    },
                    raise({ type: "peers.mend" }, { delay: 3000 }),
                  ],
                },
                // Our connection with someone failed while those with the others work: a new one,
                // offered by the side the server made impolite (the other takes it, `signalled`).
                "peers.mend": {
                  guard: "anyoneHere",
                  actions: { type: "carryOut", params: ({ context }) => mended(context) },
                },
                // A new peer connection with each person whose connection failed.
                "user.retry": {
                  actions: { type: "carryOut", params: ({ context }) => retried(context) },
                },
                "signal.message": {
                  actions: {
                    type: "carryOut",
                    params: ({ context, event }) => signalled(context, event.from, event.message),
                  },
                },
                "signal.lost": { actions: "toEveryNegotiation" },
                "signal.iceServers": { actions: ["keepIceServers", "toEveryNegotiation"] },
                "media.added": { actions: ["keepStream", "toEveryNegotiation"] },
                "media.replaced": { actions: ["keepStream", "toEveryNegotiation"] },
                "negotiation.signal": {
                  actions: {
                    type: "tellServer",
                    params: ({ event }) => ({
                      type: "send",
                      to: event.peer,
                      message: event.message,
                    }),
                  },
                },
              },
              // (Through `talking`, which invokes nothing, so that no warm peer connection is
              // made for a moment when others are there already.)
              initial: "talking",
              states: {
                // Alone, or everyone else left or dropped.
                waiting: {
                  tags: ["waiting"],
                  always: [
                    { guard: "anyoneHere", target: "talking" },
                    { guard: "anyFailed", target: "failed" },
                  ],
                  // The peer connection for whoever comes, made now: their offer has less to
                  // wait for.
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
                },
                // With at least one other person.
                talking: {
                  tags: ["talking"],
                  always: [
                    { guard: not("anyoneHere"), target: "waiting" },
                  ],
                },
                // The browsers could not connect (or reconnect) with anyone: said, with the seat
                // kept, so the others are not told this one left. Retry starts new peer
                // connections.
                failed: {
                  tags: ["failed"],
                  always: [
                    { guard: "anyoneHere", target: "talking" },
                    { guard: not("anyFailed"), target: "waiting" },
                  ],
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

/** The session machine's type, for the call machine that starts it (`loadSession`). */
export type SessionMachine = typeof sessionMachine;
