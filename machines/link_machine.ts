/**
 * The health of one peer connection's path (ICE), and what to do when it breaks.
 *
 * A first connection is looked at after 6 s of the browsers trying paths (counted from when ICE
 * starts checking, not while the descriptions are still on their way, which a busy machine makes
 * slow): no path and no relay to go around the networks in the way (or a relay refusing Parley's
 * credentials) is said at once, rather than after the browser's own 30 s; otherwise ICE is
 * gathered anew, once, and 20 s without a path (from the start) fails. Once
 * connected, a `disconnected` path gets 2.5 s of grace, then an ICE restart; `failed` restarts at
 * once; restarts wait 5, 10 then 20 s. When that budget is spent the connection is abandoned if
 * the other person is away, and fails otherwise. A restart is an offer and an answer through the
 * server, over a network: none is tried while the device has no network (`offline`) or while we
 * are off the server (`offServer`); when both are back, one restart goes at once, with a fresh
 * budget. A restart the other person missed (they were away) is made again when they are back.
 *
 * It is invoked by a negotiation (`negotiation_machine.ts`), which forwards it what the peer
 * connection and the session say, and which it asks to `link.restartIce` and `link.diagnose`;
 * it reports `link.abandoned` and `link.failed`. Tags: `connected`, `interrupted`.
 *
 * @module
 */
import { assign, sendParent, setup } from "xstate";
import type { ConnectionFailure, LinkState } from "./peer_types.ts";

/** How many ICE restarts are tried before the connection counts as lost. */
export const MAX_ICE_RESTARTS = 3;

/** Input of the link machine. */
export interface LinkInput {
  /** Whether the other person is away from the server as this connection starts. */
  peerAway?: boolean;
}

/** What a link tells its negotiation. */
export type LinkReport =
  | { type: "link.restartIce" }
  | { type: "link.diagnose" }
  | { type: "link.abandoned" }
  | { type: "link.failed"; reason: ConnectionFailure };

/** Every event the link machine handles (forwarded by its negotiation). */
export type LinkEvent =
  | { type: "pc.connection"; state: LinkState }
  | { type: "pc.relayRefused" }
  | { type: "pc.diagnosis"; path: boolean; relay: boolean; turn: boolean }
  | { type: "network.offline" }
  | { type: "network.online" }
  | { type: "peer.away" }
  | { type: "peer.returned" }
  | { type: "signal.lost" }
  | { type: "signal.restored" };

interface LinkContext {
  /** ICE restarts since the path last worked. */
  iceRestarts: number;
  relayRefused: boolean;
  peerAway: boolean;
  serverAway: boolean;
  /** The browser says the device has no network at all. */
  offline: boolean;
}

/** The link machine. */
export const linkMachine = setup({
  types: {
    context: {} as LinkContext,
    events: {} as LinkEvent,
    input: {} as LinkInput,
  },
  actions: {
    report: sendParent((_, report: LinkReport) => report),
    countRestart: assign({ iceRestarts: ({ context }) => context.iceRestarts + 1 }),
    freshBudget: assign({ iceRestarts: 0 }),
    markOffline: assign({ offline: true }),
    markOnline: assign({ offline: false }),
  },
  guards: {
    linkIs: ({ event }, state: LinkState) =>
      event.type === "pc.connection" && event.state === state,
    restartsLeft: ({ context }) => context.iceRestarts < MAX_ICE_RESTARTS,
    peerAway: ({ context }) => context.peerAway,
    serverAway: ({ context }) => context.serverAway,
    offline: ({ context }) => context.offline,
    relayRefused: ({ context, event }) =>
      context.relayRefused && event.type === "pc.diagnosis" && !event.path,
    /** Nothing works, and no relay is there to go around the networks in the way. */
    noWayThrough: ({ event }) =>
      event.type === "pc.diagnosis" && !event.path && !event.relay && !event.turn,
  },
  delays: {
    /** How long `disconnected` may last before an ICE restart. */
    disconnectGrace: 2500,
    /** How long one ICE restart may take: 5, 10, then 20 s. */
    restartWait: ({ context }) => 5000 * 2 ** Math.max(0, context.iceRestarts - 1),
    /** How long a first connection's paths are tried before it is looked at (within 10 s of Join). */
    pathCheck: 6000,
    /** How long a first connection may take before it counts as failed. */
    connectTimeout: 20000,
  },
}).createMachine({
  id: "link",
  context: ({ input }) => ({
    iceRestarts: 0,
    relayRefused: false,
    peerAway: input.peerAway ?? false,
    serverAway: false,
    offline: false,
  }),
  // Every state keeps these up to date; the states that act on them do so besides.
  on: {
    "pc.relayRefused": { actions: assign({ relayRefused: true }) },
    "peer.away": { actions: assign({ peerAway: true }) },
    "peer.returned": { actions: assign({ peerAway: false }) },
    "signal.lost": { actions: assign({ serverAway: true }) },
    "signal.restored": { actions: assign({ serverAway: false }) },
    "network.offline": { actions: "markOffline" },
    "network.online": { actions: "markOnline" },
  },
  initial: "connecting",
  states: {
    connecting: {
      on: {
        "pc.connection": [
          { guard: { type: "linkIs", params: "connected" }, target: "connected" },
          { guard: { type: "linkIs", params: "failed" }, target: "restart" },
        ],
      },
      after: {
        connectTimeout: [
          { guard: "peerAway", actions: { type: "report", params: { type: "link.abandoned" } } },
          {
            target: "failed",
            actions: { type: "report", params: { type: "link.failed", reason: "no-path" } },
          },
        ],
      },
      initial: "negotiating",
      states: {
        // The descriptions and candidates are on their way: no path can be judged yet.
        negotiating: {
          on: {
            "pc.connection": {
              guard: { type: "linkIs", params: "connecting" },
              target: "checking",
            },
          },
        },
        // The browsers are trying paths.
        checking: {
          on: {
            "pc.diagnosis": [
              {
                guard: "relayRefused",
                target: "#link.failed",
                actions: {
                  type: "report",
                  params: { type: "link.failed", reason: "relay-refused" },
                },
              },
              {
                guard: "noWayThrough",
                target: "#link.failed",
                actions: { type: "report", params: { type: "link.failed", reason: "no-relay" } },
              },
              // No path yet: the candidates may have come from a network that was changing.
              { actions: { type: "report", params: { type: "link.restartIce" } } },
            ],
          },
          after: {
            pathCheck: { actions: { type: "report", params: { type: "link.diagnose" } } },
          },
        },
      },
    },
    connected: {
      tags: ["connected"],
      entry: "freshBudget",
      on: {
        "pc.connection": [
          { guard: { type: "linkIs", params: "disconnected" }, target: "unstable" },
          { guard: { type: "linkIs", params: "failed" }, target: "restart" },
        ],
        // No network at all: no use waiting for ICE to notice.
        "network.offline": { target: "offline", actions: "markOffline" },
        // A network came (maybe another one): the old path may be gone.
        "network.online": { target: "restart", actions: "markOnline" },
      },
    },
    unstable: {
      tags: ["interrupted"],
      on: {
        "pc.connection": [
          { guard: { type: "linkIs", params: "connected" }, target: "connected" },
          { guard: { type: "linkIs", params: "failed" }, target: "restart" },
        ],
        "network.offline": { target: "offline", actions: "markOffline" },
        "network.online": { target: "restart", actions: "markOnline" },
      },
      after: { disconnectGrace: "restart" },
    },
    // A restart is due: it goes now, or when the network and the server are back.
    restart: {
      tags: ["interrupted"],
      always: [
        { guard: "offline", target: "offline" },
        { guard: "serverAway", target: "offServer" },
        { target: "recovering" },
      ],
    },
    recovering: {
      tags: ["interrupted"],
      entry: ["countRestart", { type: "report", params: { type: "link.restartIce" } }],
      on: {
        "pc.connection": { guard: { type: "linkIs", params: "connected" }, target: "connected" },
        // The other person missed the restart's offer: again, now that they are back.
        "peer.returned": {
          target: "restart",
          actions: [assign({ peerAway: false }), "freshBudget"],
        },
        "signal.lost": { target: "offServer", actions: assign({ serverAway: true }) },
        "network.offline": { target: "offline", actions: "markOffline" },
        "network.online": { target: "restart", actions: ["markOnline", "freshBudget"] },
      },
      after: {
        restartWait: [
          { guard: "restartsLeft", target: "restart" },
          { guard: "peerAway", actions: { type: "report", params: { type: "link.abandoned" } } },
          {
            target: "failed",
            actions: { type: "report", params: { type: "link.failed", reason: "lost" } },
          },
        ],
      },
    },
    // The device has no network: nothing to restart over until it has one again. (Reaching the
    // server proves it has one after all, as two tabs on one machine without Wi-Fi do.)
    offline: {
      tags: ["interrupted"],
      on: {
        "pc.connection": { guard: { type: "linkIs", params: "connected" }, target: "connected" },
        "network.online": { target: "restart", actions: ["markOnline", "freshBudget"] },
        "signal.restored": {
          target: "restart",
          actions: [assign({ serverAway: false }), "markOnline", "freshBudget"],
        },
      },
    },
    // We are off the server: no restart can get through until we are back on it.
    offServer: {
      tags: ["interrupted"],
      on: {
        "pc.connection": { guard: { type: "linkIs", params: "connected" }, target: "connected" },
        "signal.restored": {
          target: "restart",
          actions: [assign({ serverAway: false }), "freshBudget"],
        },
        "network.offline": { actions: "markOffline" },
        "network.online": { actions: "markOnline" },
      },
    },
    failed: { tags: ["interrupted"] },
  },
});
