/**
 * Model-based tests of the three call machines. `@xstate/graph` walks each machine's shortest
 * paths to every state it can reach with a sample of every event it takes (timers included, as
 * the `xstate.after.*` events xstate raises). Each path is then replayed on the real machine,
 * running with passive fakes (they record what they are told and answer nothing on their own,
 * so the machine goes exactly where the walk went), checking at every step:
 *
 * - the real machine is where the walk says it is;
 * - the call: no camera or microphone runs outside `live`, and exactly one set while in it; a
 *   signaling connection is open exactly while in `inCall`;
 * - the session: one signaling connection while it runs; one peer connection per negotiation it
 *   runs (one per person at most), and `talking` exactly while one runs;
 * - a negotiation: one peer connection while it runs, and every description it accepts is one
 *   the peer connection can take in its signaling state.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getShortestPaths } from "@xstate/graph";
import {
  type AnyActorRef,
  type AnyStateMachine,
  type AnyStateNode,
  createActor,
  type EventObject,
  fromCallback,
  fromPromise,
  setup,
  SimulatedClock,
  type Snapshot,
} from "xstate";
import { callMachine } from "../../machines/call_machine.ts";
import { provideEffects } from "../../machines/effects.ts";
import type { MediaCommand, MediaKind, ShareInput } from "../../machines/media_types.ts";
import type { PeerCommand, PeerInput, WarmPeerInput } from "../../machines/peer_types.ts";
import type { SignalingCommand, SignalingInput } from "../../machines/signaling_types.ts";
import { linkMachine } from "../../machines/link_machine.ts";
import { negotiationMachine } from "../../machines/negotiation_machine.ts";
import { type SessionMachine, sessionMachine } from "../../machines/session_machine.ts";
import { provideSessionEffects } from "../../machines/session_effects.ts";
import {
  FakePeerConnection,
  FakeSignalingConnection,
  FakeStream,
  FakeTrack,
  joinedAck,
  peerInfo,
} from "../helpers/fake_call.ts";
import type { PeerEntry } from "../../machines/room_peers.ts";

/** What the passive fakes of one replay made. */
class Fakes {
  /** What a hosted child reported to its host. */
  reports: string[] = [];
  media: { stream: FakeStream; stopped: boolean }[] = [];
  sockets: FakeSignalingConnection[] = [];
  peers: FakePeerConnection[] = [];
  shares: { stopped: boolean }[] = [];

  effects() {
    return {
      lobby: fromCallback<{ type: "refresh" }, { roomId: string }>(() => {}),
      localMedia: fromCallback<MediaCommand, Record<MediaKind, boolean>>(({ receive }) => {
        const kinds = (wants: Record<MediaKind, boolean>) =>
          (["audio", "video"] as const).filter((k) => wants[k]);
        const owned = { stream: new FakeStream([]), stopped: false };
        this.media.push(owned);
        receive((command) => {
          if (command.type === "capture") {
            for (const track of owned.stream.tracks) track.stop();
            owned.stream = new FakeStream(kinds(command.wants));
          }
        });
        return () => {
          owned.stopped = true;
          for (const track of owned.stream.tracks) track.stop();
        };
      }),
      signaling: fromCallback<SignalingCommand, SignalingInput>(({ input, sendBack, receive }) => {
        const socket = new FakeSignalingConnection("walk", input, sendBack);
        this.sockets.push(socket);
        receive((command) => socket.commands.push(command));
        return () => void (socket.stopped = true);
      }),
      peerConnection: fromCallback<PeerCommand, PeerInput>(({ input, receive }) => {
        // Passive: it keeps the signaling-state rules but tells the machine nothing.
        const pc = new FakePeerConnection("walk", input, () => {});
        this.peers.push(pc);
        receive((command) => {
          if (command.type === "acceptAnswer") {
            assert.equal(pc.signalingState, "have-local-offer", "an answer without our offer");
          }
          pc.run(command);
        });
        return () => pc.close();
      }),
      warmPeer: fromCallback<EventObject, WarmPeerInput>(() => {}),
      // Passive too: the walk says when the session's code has come (`xstate.done.actor.loadSession`).
      loadSession: fromPromise<SessionMachine>(() => new Promise(() => {})),
      screenShare: fromCallback<{ type: "stop" }, ShareInput>(() => {
        const share = { stopped: false };
        this.shares.push(share);
        return () => void (share.stopped = true);
      }),
    };
  }

  openSockets(): number {
    return this.sockets.filter((socket) => !socket.stopped).length;
  }

  openPeers(): number {
    return this.peers.filter((pc) => !pc.closed).length;
  }
}

/** An event with its payload. */
type AnyEvent = { type: string; [key: string]: unknown };

/** How a machine is walked and replayed. */
interface Walk {
  name: string;
  machine: AnyStateMachine;
  /** The machine as walked, when it differs: a child's reports to its parent go nowhere. */
  walked?: AnyStateMachine;
  input: unknown;
  /** Samples of every event from outside. */
  events: AnyEvent[];
  /** What tells two vertices of the walk apart (the state, and what guards read). */
  key(snapshot: { value: unknown; context: Record<string, unknown> }): string;
  /** The machine to replay, with the fakes' effects. */
  replayed(fakes: Fakes): AnyStateMachine;
  /** The real snapshot to compare and check: the machine's own, or its child's when hosted. */
  check(fakes: Fakes, snapshot: Snapshot<unknown> & { value?: unknown }, done: boolean): void;
}

const offer = { type: "offer" as const, sdp: "offer" };
const answer = { type: "answer" as const, sdp: "answer" };
const candidate = { candidate: "c", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: null };
const stream = new FakeStream();

/** The `xstate.after.*` events of every delayed transition of `machine`. */
function timers(machine: AnyStateMachine): AnyEvent[] {
  const all = (node: AnyStateNode): AnyStateNode[] => [
    node,
    ...(Object.values(node.states) as AnyStateNode[]).flatMap(all),
  ];
  return all(machine.root).flatMap((node) =>
    node.after.map((transition: { eventType: string }) => ({ type: transition.eventType }))
  );
}

/** Runs `child` as the only child of a host, so its reports to a parent have somewhere to go. */
function hosted(child: AnyStateMachine, input: unknown): AnyStateMachine {
  return setup({ actors: { child } }).createMachine({
    invoke: { id: "child", src: "child", input: () => input },
  });
}

const SESSION_INPUT = { roomId: "room-for-tests-0001", stream: null };
const NEGOTIATION_INPUT = {
  peer: "b",
  iceServers: [],
  polite: true,
  initiator: true,
  stream: null,
};

const WALKS: Walk[] = [
  {
    name: "call",
    machine: callMachine,
    input: { roomId: "room-for-tests-0001" },
    events: [
      { type: "user.start" },
      { type: "user.start", unsupported: "webrtc" },
      { type: "user.continue" },
      { type: "user.join" },
      { type: "user.toggleMic" },
      { type: "user.toggleCamera" },
      { type: "user.hangUp" },
      { type: "user.retry" },
      { type: "media.captured", stream, failure: null },
      { type: "media.captured", stream: null, failure: { reason: "denied", missing: ["video"] } },
      { type: "media.added", stream, kind: "video" },
      { type: "media.refused", failure: { reason: "in-use", missing: ["video"] } },
      { type: "session.failed", failure: { kind: "unreachable" } },
      {
        type: "lobby.status",
        members: 1,
        capacity: 2,
        yours: false,
        relay: true,
        iceServers: null,
      },
      { type: "lobby.status", members: 2, capacity: 2, yours: false, relay: false, iceServers: [] },
      { type: "lobby.status", members: 2, capacity: 2, yours: true, relay: false, iceServers: [] },
      { type: "user.toggleHideAddress" },
      { type: "media.replaced", stream, kind: "video", track: null },
      { type: "user.useDevice", kind: "video", deviceId: "camera-2" },
      { type: "user.shareScreen" },
      { type: "user.stopSharing" },
      { type: "share.started", track: new FakeTrack("video") },
      { type: "share.ended", reason: "stopped" },
      ...timers(callMachine),
      // The session's code, come (the replay gives the one on its fakes) or not.
      {
        type: "xstate.done.actor.loadSession",
        output: provideSessionEffects(new Fakes().effects()),
      },
      { type: "xstate.error.actor.loadSession", error: new Error("not loaded") },
      { type: "xstate.done.actor.session" },
    ],
    key: ({ value, context }) =>
      JSON.stringify([
        value,
        context.failure,
        context.turningOn,
        context.stream !== null,
        context.roomMembers,
        context.relayAvailable,
        context.hideAddress,
        context.autoJoin,
      ]),
    replayed: (fakes) => provideEffects(fakes.effects()),
    check(fakes, snapshot) {
      const call = snapshot as ReturnType<typeof callMachine.getInitialSnapshot>;
      const live = call.matches("live");
      const running = fakes.media.filter((media) => !media.stopped);
      assert.equal(running.length, live ? 1 : 0, "camera and microphone run exactly while live");
      const stray = fakes.media.filter((media) => media.stopped)
        .flatMap((media) => media.stream.tracks.filter((track) => !track.stopped));
      assert.equal(stray.length, 0, "a track of given-up media still runs");
      const inCall = call.matches({ live: "inCall" });
      assert.equal(fakes.openSockets(), inCall ? 1 : 0, "a signaling connection exactly in call");
      const sharing = call.matches({ live: { inCall: "sharing" } });
      const shares = fakes.shares.filter((share) => !share.stopped).length;
      assert.equal(shares, sharing ? 1 : 0, "a screen is captured exactly while sharing");
    },
  },
  {
    name: "session",
    machine: sessionMachine,
    walked: sessionMachine.provide({ actions: { fail: () => {} } }),
    input: SESSION_INPUT,
    events: [
      { type: "user.hangUp" },
      { type: "media.added", stream },
      { type: "signal.joined", joined: joinedAck() },
      { type: "signal.joined", joined: joinedAck({ peers: [peerInfo("b")] }) },
      { type: "signal.restored", joined: joinedAck({ seat: "resumed" }) },
      { type: "signal.restored", joined: joinedAck({ seat: "expired" }) },
      { type: "signal.restored", joined: joinedAck({ seat: "expired", peers: [peerInfo("b")] }) },
      { type: "signal.connectFailed", jitter: 1 },
      { type: "signal.lost", jitter: 1 },
      { type: "signal.rejected", error: { code: "room-full", message: "full" } },
      { type: "signal.rejected", error: { code: "unavailable", message: "busy" } },
      { type: "signal.seatTaken" },
      { type: "signal.iceServers", iceServers: [] },
      { type: "signal.message", from: "b", message: { candidate } },
      { type: "signal.left" },
      { type: "user.retry" },
      { type: "peer.joined", peer: peerInfo("b") },
      { type: "peer.joined", peer: peerInfo("c") },
      { type: "peer.joined", peer: { ...peerInfo("b2"), replaces: "b" } },
      { type: "peer.away", session: "b", reason: "closed" },
      { type: "peer.away", session: "b", reason: "lost" },
      { type: "peer.left", session: "b", reason: "hang-up" },
      { type: "network.online" },
      { type: "negotiation.signal", peer: "b", message: { candidate } },
      { type: "negotiation.abandoned", peer: "b" },
      { type: "negotiation.failed", peer: "b", reason: "lost" },
      ...timers(sessionMachine),
    ],
    key: ({ value, context }) =>
      JSON.stringify([
        value,
        // The people, but not which negotiation runs with them (only whether one does).
        (context.peers as PeerEntry[]).map((entry) => [
          entry.session,
          entry.absence,
          entry.failure !== null,
          entry.negotiation !== null,
        ]),
        context.joinedOnce,
        // Attempts count (`mayRetry`) only until the room was first joined.
        context.joinedOnce ? 0 : Math.min(Number(context.attempts), 3),
        // Refusals of a busy server count until the next join (`serverBusy`).
        Math.min(Number(context.busyTries), 3),
      ]),
    replayed: (fakes) => {
      const { signaling, peerConnection, warmPeer } = fakes.effects();
      const negotiation = negotiationMachine.provide({ actors: { peerConnection } });
      return hosted(
        sessionMachine.provide({ actors: { signaling, warmPeer, negotiation } }),
        SESSION_INPUT,
      );
    },
    check(fakes, snapshot, done) {
      const session = snapshot as ReturnType<typeof sessionMachine.getInitialSnapshot>;
      assert.equal(fakes.openSockets(), done ? 0 : 1, "one signaling connection while in session");
      const negotiating = done ? [] : session.context.peers.filter((entry) => entry.negotiation);
      assert.equal(fakes.openPeers(), negotiating.length, "a peer connection per negotiation");
      assert.equal(
        !done && session.hasTag("talking"),
        negotiating.length > 0,
        "talking exactly while a peer connection runs",
      );
      const sessions = session.context?.peers.map((entry) => entry.session) ?? [];
      assert.equal(new Set(sessions).size, sessions.length, "one entry per person");
    },
  },
  {
    name: "negotiation",
    machine: negotiationMachine,
    walked: negotiationMachine.provide({
      actions: { report: () => {} },
    }),
    input: NEGOTIATION_INPUT,
    events: [
      { type: "signal.message", from: "b", message: { description: offer } },
      { type: "signal.message", from: "b", message: { description: answer } },
      { type: "signal.message", from: "b", message: { candidate } },
      { type: "peer.away" },
      { type: "peer.returned" },
      { type: "signal.lost" },
      { type: "signal.restored", polite: false },
      { type: "signal.iceServers", iceServers: [] },
      { type: "media.added", stream },
      { type: "media.replaced", stream, kind: "video", track: null },
      { type: "pc.negotiationNeeded" },
      { type: "pc.localDescription", description: offer },
      { type: "pc.localDescription", description: answer },
      { type: "pc.candidate", candidate },
      { type: "link.restartIce" },
      { type: "link.failed", reason: "lost" },
      ...timers(negotiationMachine),
    ],
    key: ({ value, context }) => JSON.stringify([value, context.peerAway, context.polite]),
    replayed: (fakes) =>
      hosted(
        negotiationMachine.provide({
          actors: { peerConnection: fakes.effects().peerConnection },
        }),
        NEGOTIATION_INPUT,
      ),
    check(fakes, _snapshot, done) {
      assert.equal(fakes.openPeers(), done ? 0 : 1, "one peer connection while negotiating");
    },
  },
  {
    name: "link",
    machine: linkMachine,
    walked: linkMachine.provide({ actions: { report: () => {} } }),
    input: {},
    events: [
      { type: "pc.connection", state: "connecting" },
      { type: "pc.connection", state: "connected" },
      { type: "pc.connection", state: "disconnected" },
      { type: "pc.connection", state: "failed" },
      { type: "network.offline" },
      { type: "network.online" },
      { type: "pc.relayRefused" },
      { type: "pc.diagnosis", path: false, relay: false, turn: false },
      { type: "pc.diagnosis", path: false, relay: true, turn: true },
      { type: "peer.away" },
      { type: "peer.returned" },
      { type: "signal.lost" },
      { type: "signal.restored" },
      ...timers(linkMachine),
    ],
    key: ({ value, context }) =>
      JSON.stringify([
        value,
        context.iceRestarts,
        context.peerAway,
        context.serverAway,
        context.relayRefused,
      ]),
    replayed: (fakes) => {
      // What the link asks of its negotiation lands on the host, which records it.
      fakes.reports = [];
      return setup({ actors: { child: linkMachine } }).createMachine({
        invoke: { id: "child", src: "child", input: {} },
        on: { "*": { actions: ({ event }) => fakes.reports.push(event.type) } },
      });
    },
    check(fakes, snapshot, done) {
      const link = snapshot as ReturnType<typeof linkMachine.getInitialSnapshot>;
      // A link that says it is connected has never reported that it failed.
      if (!done && link.hasTag("connected")) {
        assert.ok(!fakes.reports.includes("link.failed"), "connected after reporting a failure");
      }
    },
  },
];

/** Keeps the paths that are not the beginning of another one: replaying those covers them. */
function longestOnly<P extends { steps: { event: EventObject }[] }>(paths: P[]): P[] {
  const kept: { path: P; events: string[] }[] = [];
  for (const path of [...paths].sort((a, b) => b.steps.length - a.steps.length)) {
    const events = path.steps.map((step) => JSON.stringify(step.event));
    if (!kept.some((other) => events.every((event, i) => other.events[i] === event))) {
      kept.push({ path, events });
    }
  }
  return kept.map(({ path }) => path);
}

/** Every state a machine can rest in: transient ones (left at once, by `always`) are not. */
function states(machine: AnyStateMachine): string[] {
  const all = (node: AnyStateNode): AnyStateNode[] =>
    (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [child, ...all(child)]);
  const transient = (node: AnyStateNode) =>
    node.always?.some((transition) => !transition.guard) ?? false;
  return all(machine.root).filter((node) => !transient(node)).map((node) => node.path.join("."));
}

function reached(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") return [prefix + value];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [
    prefix + key,
    ...reached(inner, `${prefix}${key}.`),
  ]);
}

for (const walk of WALKS) {
  Deno.test(`${walk.name} machine: shortest paths to every state keep the invariants`, async () => {
    const paths = getShortestPaths(walk.walked ?? walk.machine, {
      input: walk.input,
      events: walk.events as never,
      serializeState: walk.key as never,
    });
    const seen = new Set(paths.flatMap((path) => reached(path.state.value)));
    assert.deepEqual(states(walk.machine).filter((s) => !seen.has(s)), [], "states never reached");

    for (const path of longestOnly(paths)) {
      const fakes = new Fakes();
      const actor = createActor(walk.replayed(fakes), {
        input: walk.input,
        clock: new SimulatedClock(),
      });
      actor.start();
      const steps = path.steps.map((step) => step.event).filter((e) => e.type !== "xstate.init");
      const trail: string[] = [];
      for (const [index, event] of [undefined, ...steps].entries()) {
        const real = walk.name === "call" ? actor : actor.getSnapshot().children.child;
        if (event) {
          trail.push(event.type);
          (real as AnyActorRef | undefined)?.send(adapt(event as AnyEvent, fakes));
        }
        // The fakes are passive and the machines synchronous: a microtask is all a step needs.
        await Promise.resolve();
        const target = walk.name === "call"
          ? actor
          : actor.getSnapshot().children.child as AnyActorRef | undefined;
        const snapshot = target?.getSnapshot();
        const done = !snapshot || snapshot.status === "done";
        const expected = path.steps[Math.min(index, path.steps.length - 1)]?.state.value;
        try {
          if (!done && index > 0) assert.deepEqual(snapshot.value, expected, "where the walk went");
          walk.check(fakes, snapshot ?? {}, done);
        } catch (error) {
          throw new Error(`${walk.name}: after ${trail.join(" → ") || "start"}: ${error}`);
        }
      }
      actor.stop();
    }
  });
}

/** A sample event as the real machine must get it: media events carry the fake's own stream. */
function adapt(event: AnyEvent, fakes: Fakes): AnyEvent {
  const media = fakes.media.at(-1);
  if (event.type === "media.captured" && media) {
    const failure = event.failure;
    return { ...event, stream: failure ? null : media.stream };
  }
  if (event.type === "media.added" && media) return { ...event, stream: media.stream };
  if (event.type === "xstate.done.actor.loadSession") {
    return { ...event, output: provideSessionEffects(fakes.effects()) };
  }
  return event;
}
