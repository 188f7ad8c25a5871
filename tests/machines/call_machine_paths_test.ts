/**
 * Model-based tests of the call machine. `@xstate/graph` walks the machine's paths — a shortest
 * path to every state, and the simple paths through recovery — and each path is then replayed
 * against the real machine running on the fake actors, checking at every step:
 *
 * - the real machine is where the walk says it is (state, and the context its guards read);
 * - no media runs that the machine does not hold, and once the call has ended none at all;
 * - outside `session` no signaling connection and no peer connection is left open; inside it
 *   exactly one signaling connection is open, and one peer connection exactly while in `call`;
 * - the link shows `connected` only when the peer connection has the other side's description.
 *
 * The walk runs on the machine together with a model of what the fakes do at once (the fake peer
 * connection answers an offer with its description, a restart or a new track with
 * `negotiationneeded`), so one step of the walk is one event from outside plus what the fakes do
 * about it, exactly as one step of the replay is. Outside events come from a small sample of each
 * kind. Timers are walked as the `xstate.after.*` events xstate raises; the replay sends those
 * events itself (its real delays are an hour), so no test waits.
 *
 * Left out of the media check: a capture the machine gives up on before it settles (hanging up,
 * or pressing Camera on again, while a camera is being turned on mid-call). The machine no longer
 * holds what it delivers; the browser's `captureMedia` stops it when its abort signal has fired
 * (`client/media.ts`), which the fake, settling within the same step, does not model.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getShortestPaths, getSimplePaths, type StatePath } from "@xstate/graph";
import {
  type AnyStateNode,
  fromTransition,
  initialTransition,
  matchesState,
  pathToStateValue,
  type SnapshotFrom,
  type StateValue,
  transition,
} from "xstate";
import {
  type CallEvent,
  type CallInput,
  callMachine,
  type CaptureResult,
  type LinkState,
  MAX_ICE_RESTARTS,
  type MediaFailure,
  type MediaKind,
  type PeerCommand,
  type StreamLike,
  type TrackLike,
} from "../../machines/call_machine.ts";
import type { Joined } from "../../protocol/signaling.ts";
import { createFakeCall, type FakeCall, FakeStream, settle } from "../helpers/fake_call.ts";

type CallSnapshot = SnapshotFrom<typeof callMachine>;
type Wants = Record<MediaKind, boolean>;

/** An event from outside the machine, or one xstate raises: a timer, `captureMedia` settling. */
type Stimulus = CallEvent | { type: `xstate.${string}`; output?: CaptureResult };

/** What the fake peer connection of the machine holds, as far as the walk needs to know. */
interface PeerModel {
  signalingState: "stable" | "have-local-offer";
  /** Whether it has the other side's description. */
  remote: boolean;
  /** The kinds of media it sends. */
  sent: MediaKind[];
}

/** One vertex of the walk: the machine, and what the fakes next to it hold. */
interface World {
  call: CallSnapshot;
  pc: PeerModel | null;
  /** The running `captureMedia` actors (by invoke id) and what each was asked for. */
  capturing: Record<string, Wants>;
  /** The `captureMedia` actors started by the step that led here. */
  started: string[];
  /** States the machine passed through within that step (the fakes answer at once). */
  passed: StateValue[];
}

type WorldSnapshot = ReturnType<typeof world.getInitialSnapshot>;
type WorldPath = StatePath<WorldSnapshot, Stimulus>;

const INPUT: CallInput = { roomId: "room-for-tests-0001" };

/** A track of the walk: only its kind counts. */
class ModelTrack implements TrackLike {
  enabled = true;
  constructor(readonly kind: MediaKind) {}
  stop(): void {}
}

/** A stream of the walk. The machine adds tracks to its stream, so each step works on a copy. */
class ModelStream implements StreamLike {
  readonly tracks: TrackLike[];
  constructor(kinds: readonly string[]) {
    this.tracks = kinds.map((kind) => new ModelTrack(kind as MediaKind));
  }
  getTracks(): TrackLike[] {
    return this.tracks;
  }
  addTrack(track: TrackLike): void {
    if (!this.tracks.includes(track)) this.tracks.push(track);
  }
}

/** The machine plus the fakes' immediate answers, as one logic to walk. */
const world = fromTransition(
  (current: World, stimulus: Stimulus): World => {
    let { call, pc, capturing } = current;
    const started: string[] = [];
    const passed: StateValue[] = [];
    const stream = call.context.stream;
    if (stream) {
      call = { ...call, context: { ...call.context, stream: new ModelStream(kinds(stream)) } };
    }
    const queue: Stimulus[] = [stimulus];
    while (queue.length > 0) {
      const [next, actions] = transition(callMachine, call, queue.shift() as CallEvent);
      call = next;
      passed.push(call.value);
      for (const action of actions) {
        const type: string = action.type;
        const params = action.params as {
          id?: string;
          src?: unknown;
          input?: unknown;
          targetId?: string;
          event?: PeerCommand;
        } | undefined;
        if (type === "xstate.spawnChild" && params?.src === "captureMedia") {
          capturing = { ...capturing, [params.id!]: params.input as Wants };
          started.push(params.id!);
        } else if (type === "xstate.spawnChild" && params?.id === "peer") {
          const input = params.input as { stream: StreamLike | null };
          pc = { signalingState: "stable", remote: false, sent: kinds(input.stream) };
        } else if (type === "xstate.stopChild" && params?.id) {
          if (params.id === "peer") pc = null;
          const { [params.id]: _stopped, ...running } = capturing;
          capturing = running;
        } else if (type === "xstate.sendTo" && params?.targetId === "peer" && pc) {
          const answer = fakePeer(pc, params.event!);
          pc = answer.pc;
          if (answer.event) queue.push(answer.event);
        }
      }
    }
    return { call, pc, capturing, started, passed };
  },
  ({ input }: { input: CallInput }): World => ({
    call: initialTransition(callMachine, input)[0],
    pc: null,
    capturing: {},
    started: [],
    passed: [],
  }),
);

function kinds(stream: StreamLike | null): MediaKind[] {
  return (stream?.getTracks() ?? []).map((track) => track.kind as MediaKind).sort();
}

/** What `FakePeerConnection.run` does with a command, and the event it answers with at once. */
function fakePeer(pc: PeerModel, command: PeerCommand): { pc: PeerModel; event?: CallEvent } {
  switch (command.type) {
    case "offer":
      if (pc.signalingState !== "stable") return { pc };
      return {
        pc: { ...pc, signalingState: "have-local-offer" },
        event: { type: "pc.localDescription", description: { type: "offer", sdp: "offer" } },
      };
    case "acceptOffer":
      return {
        pc: { ...pc, signalingState: "stable", remote: true },
        event: { type: "pc.localDescription", description: { type: "answer", sdp: "answer" } },
      };
    case "acceptAnswer":
      if (pc.signalingState !== "have-local-offer") return { pc };
      return { pc: { ...pc, signalingState: "stable", remote: true } };
    case "rollback":
      return { pc: { ...pc, signalingState: "stable" } };
    case "restartIce":
      return { pc, event: { type: "pc.negotiationNeeded" } };
    case "addTracks": {
      const unsent = kinds(command.stream).filter((kind) => !pc.sent.includes(kind));
      if (unsent.length === 0) return { pc };
      return {
        pc: { ...pc, sent: [...pc.sent, ...unsent].sort() },
        event: { type: "pc.negotiationNeeded" },
      };
    }
    case "addCandidate":
      return { pc };
    default:
      throw new Error(`the walk does not know the peer command ${JSON.stringify(command)}`);
  }
}

/** Vertices told apart by the state and by what the guards and the fakes read. */
function serialize(snapshot: WorldSnapshot): string {
  return JSON.stringify(observe(snapshot.context.call, snapshot.context.pc));
}

/**
 * Vertices told apart by the state and the media it holds (turning on a camera depends on it):
 * a shortest path for each state, the one which gets there.
 */
function serializeState(snapshot: WorldSnapshot): string {
  const { value, context } = snapshot.context.call;
  return JSON.stringify([value, context.stream ? kinds(context.stream) : null]);
}

/** What the walk and the replay must agree on. */
function observe(call: CallSnapshot, pc: PeerModel | null) {
  const { context } = call;
  return {
    value: call.value,
    stream: context.stream ? kinds(context.stream) : null,
    polite: context.polite,
    peerSession: context.peerSession,
    peerAbsence: context.peerAbsence,
    // Guards only ask whether restarts are left; past the last one, the count changes nothing.
    iceRestarts: Math.min(context.iceRestarts, MAX_ICE_RESTARTS),
    pc,
  };
}

const joinedAlone: Joined = {
  role: "impolite",
  peer: null,
  iceServers: [],
  resume: "r-1",
  seat: "new",
  seatGraceMs: 30000,
  iceTransportPolicy: "all",
};
const joinedWithPeer: Joined = {
  role: "polite",
  peer: { session: "peer-1" },
  iceServers: [],
  resume: "r-1",
  seat: "new",
  seatGraceMs: 30000,
  iceTransportPolicy: "all",
};
const candidate = {
  candidate: "candidate:1 1 udp 1 192.0.2.1 5000 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: null,
};

/** Every timer of the machine, as the event xstate raises when it fires. */
const TIMERS: Stimulus[] = [callMachine.root, ...descendants(callMachine.root)].flatMap((node) =>
  node.after.map((delayed) => ({ type: delayed.eventType as `xstate.${string}` }))
);

/** A sample of every kind of event from outside, with payloads that take every branch. */
const SAMPLES: Stimulus[] = [
  { type: "user.start" },
  { type: "user.continue" },
  { type: "user.join" },
  { type: "user.toggleMic" },
  { type: "user.toggleCamera" },
  { type: "user.hangUp" },
  { type: "user.retry" },
  { type: "signal.joined", joined: joinedAlone },
  { type: "signal.joined", joined: joinedWithPeer },
  { type: "signal.rejected", error: { code: "room-full", message: "This room is full." } },
  { type: "signal.rejected", error: { code: "invalid-room", message: "Not a room." } },
  { type: "signal.unreachable" },
  { type: "signal.lost" },
  { type: "signal.restored", joined: { ...joinedWithPeer, role: "impolite" } },
  { type: "signal.left" },
  { type: "signal.seatLost", peer: joinedWithPeer.peer },
  { type: "signal.seatLost", peer: null },
  { type: "signal.message", message: { description: { type: "offer", sdp: "their offer" } } },
  { type: "signal.message", message: { description: { type: "answer", sdp: "their answer" } } },
  { type: "signal.message", message: { candidate } },
  { type: "peer.joined", peer: { session: "peer-1" } },
  { type: "peer.joined", peer: { session: "peer-2" } },
  { type: "peer.away", reason: "lost" },
  { type: "peer.away", reason: "closed" },
  { type: "peer.left", reason: "hang-up" },
  { type: "pc.negotiationNeeded" },
  { type: "pc.connection", state: "connected" },
  { type: "pc.connection", state: "disconnected" },
  { type: "pc.connection", state: "failed" },
  { type: "pc.error", message: "setRemoteDescription failed" },
  { type: "network.offline" },
  { type: "network.online" },
  ...TIMERS,
];

/** How a capture can end: with all it asked for, without the camera, or with an error. */
const CAPTURE_OUTCOMES: (MediaFailure | null | "error")[] = [
  null,
  { reason: "not-found", missing: ["video"] },
  "error",
];

/**
 * The events that can happen in a vertex, from `samples`: a running capture settles in each way;
 * a timer fires only while it runs; the peer connection reports only while there is one, and it
 * reports `connected` only once it has the other side's description (a browser's cannot connect
 * before: ICE and DTLS need what the description carries).
 */
function possible(samples: Stimulus[]) {
  return (snapshot: WorldSnapshot): Stimulus[] => {
    const { call, pc, capturing } = snapshot.context;
    const settling = Object.entries(capturing).flatMap(([id, wants]) =>
      CAPTURE_OUTCOMES.map((outcome): Stimulus =>
        outcome === "error"
          ? { type: `xstate.error.actor.${id}` }
          : { type: `xstate.done.actor.${id}`, output: captured(wants, outcome, ModelStream) }
      )
    );
    return [
      ...settling,
      ...samples.filter((event) => {
        if (event.type.startsWith("xstate.after.")) return call.can(event as CallEvent);
        if (!event.type.startsWith("pc.") && !event.type.startsWith("network.")) return true;
        if (pc === null) return false;
        return !(event.type === "pc.connection" && event.state === "connected" && !pc.remote);
      }),
    ];
  };
}

/** What `captureMedia` gives for `wants` when `failure` is what went wrong. */
function captured(
  wants: Wants,
  failure: MediaFailure | null,
  Stream: new (kinds: MediaKind[]) => StreamLike,
): CaptureResult {
  const got = (["audio", "video"] as const).filter((kind) =>
    wants[kind] && !failure?.missing.includes(kind)
  );
  return { stream: new Stream(got), failure };
}

const HOUR = 3_600_000;
/** Every delay of the machine, long enough never to fire during a replay. */
const NEVER = Object.fromEntries(
  Object.keys(callMachine.implementations.delays).map((name) => [name, HOUR]),
);

const IN_SESSION = "session";
const IN_CALL = { session: { active: { room: "call" } } } as const;
const CONNECTED = { session: { active: { room: { call: { link: "connected" } } } } } as const;

/**
 * Runs `path` against the real machine on the fakes, checking the invariants at every step.
 * The walk is taken again along the path first: a path's vertices stand for every snapshot with
 * the same serialization, and the replay compares with the very ones its events lead to.
 */
async function replay(path: WorldPath): Promise<WorldSnapshot[]> {
  const events = path.steps.map((step) => step.event);
  const worlds = [path.steps[0].state];
  for (const event of events.slice(1)) {
    // The walk's logic uses no actor scope.
    worlds.push(world.transition(worlds.at(-1)!, event, undefined as never));
  }
  let index = 0;
  /** Captures the machine gave up on before they settled: nobody can stop what they got. */
  const abandoned = new Set<FakeStream>();
  const call = createFakeCall("model", {
    delays: NEVER,
    autoNegotiate: false,
    capture: (wants) => {
      const outcome = settledBy(worlds, events, index);
      if (outcome?.type.startsWith("xstate.error.")) {
        // A rejected promise passes for the result: createFakeCall hands it on as it is, so the
        // error arrives a turn later, as a real getUserMedia's does.
        return Promise.reject(new Error("the camera would not start")) as unknown as CaptureResult;
      }
      const failure = (outcome && "output" in outcome ? outcome.output?.failure : null) ?? null;
      const result = captured(wants, failure, FakeStream);
      if (outcome === undefined) abandoned.add(result.stream as FakeStream);
      return result;
    },
  });
  try {
    check(call, worlds[0].context, { path, index, abandoned });
    for (index = 1; index < events.length; index++) {
      const event = events[index];
      // captureMedia settles by itself (as `capture` was told), after a turn of the event loop;
      // everything else takes effect at once, so each check sees its own step's state.
      if (settling(event)) await settle(1);
      else perform(call, event);
      check(call, worlds[index].context, { path, index, abandoned });
    }
  } finally {
    call.actor.stop();
  }
  return worlds;
}

/** The event that settles the capture started at step `index`; none if the machine leaves first. */
function settledBy(
  worlds: WorldSnapshot[],
  events: Stimulus[],
  index: number,
): Stimulus | undefined {
  const [id] = worlds[index].context.started;
  for (let later = index + 1; later < events.length; later++) {
    if (events[later].type.endsWith(`.actor.${id}`)) return events[later];
    const { capturing, started } = worlds[later].context;
    if (!(id in capturing) || started.includes(id)) return undefined;
  }
  return undefined;
}

function settling(event: Stimulus): boolean {
  return event.type.startsWith("xstate.done.actor.") ||
    event.type.startsWith("xstate.error.actor.");
}

/** Makes `event` happen the way it happens to the machine: from the person, a fake, or a timer. */
function perform(call: FakeCall, event: Stimulus): void {
  const { type } = event;
  if (type.startsWith("xstate.after.")) {
    call.actor.send(event as unknown as CallEvent); // The timer fires now rather than in an hour.
  } else if (type.startsWith("user.")) {
    call.send(event as CallEvent);
  } else if (type.startsWith("signal.") || type.startsWith("peer.")) {
    call.socket.send(event as CallEvent);
  } else if (type === "pc.connection") {
    call.pc.link((event as { state: LinkState }).state);
  } else if (type.startsWith("pc.") || type.startsWith("network.")) {
    call.pc.send(event as CallEvent);
  } else {
    throw new Error(`no way to perform ${type}`);
  }
}

function check(
  call: FakeCall,
  expected: World,
  { path, index, abandoned }: { path: WorldPath; index: number; abandoned: Set<FakeStream> },
): void {
  const where = () => `after step ${index} of ${describe(path)}`;
  const snapshot = call.actor.getSnapshot();
  const livePc = call.peers.filter((pc) => !pc.closed);
  const pc = livePc.at(-1);
  assert.deepEqual(
    observe(
      snapshot,
      pc
        ? {
          signalingState: pc.signalingState as PeerModel["signalingState"],
          remote: pc.remoteDescription !== null,
          sent: pc.sent.map((track) => track.kind as MediaKind).sort(),
        }
        : null,
    ),
    observe(expected.call, expected.pc),
    `the real machine and the walk disagree ${where()}`,
  );

  // Tracks may run while the machine holds them, or while a capture is on its way to it.
  const held = new Set(snapshot.context.stream?.getTracks() ?? []);
  const pending = Object.keys(expected.capturing).length > 0 ? call.streams.at(-1) : undefined;
  for (const stream of call.streams) {
    if (stream === pending || abandoned.has(stream)) continue;
    const running = stream.tracks.filter((track) =>
      !track.stopped && !(held.has(track) && !snapshot.matches("ended"))
    );
    assert.deepEqual(running.map((track) => track.kind), [], `media left running ${where()}`);
  }

  const liveSockets = call.signaling.filter((socket) => !socket.stopped);
  if (snapshot.matches(IN_SESSION)) {
    assert.deepEqual(liveSockets, [call.socket], `not exactly one signaling connection ${where()}`);
  } else {
    assert.equal(liveSockets.length, 0, `a signaling connection left open ${where()}`);
  }
  assert.equal(
    livePc.length,
    snapshot.matches(IN_CALL) ? 1 : 0,
    `peer connections open: ${livePc.length} ${where()}`,
  );
  if (snapshot.matches(CONNECTED)) {
    assert.ok(pc?.remoteDescription, `connected without a remote description ${where()}`);
  }
}

function describe(path: WorldPath): string {
  return path.steps.slice(1).map(({ event }) => {
    const { type, ...payload } = event as { type: string };
    const shown = JSON.stringify(payload);
    return shown === "{}" ? type : `${type} ${shown}`;
  }).join(" → ") || "(start)";
}

/** Keeps the paths that are not the beginning of another one: replaying those covers them. */
function longestOnly(paths: WorldPath[]): WorldPath[] {
  const kept: { path: WorldPath; events: string[] }[] = [];
  const sorted = [...paths].sort((a, b) => b.steps.length - a.steps.length);
  for (const path of sorted) {
    const events = path.steps.map((step) => JSON.stringify(step.event));
    const covered = kept.some((other) => events.every((event, i) => other.events[i] === event));
    if (!covered) kept.push({ path, events });
  }
  return kept.map(({ path }) => path);
}

function descendants(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [
    child,
    ...descendants(child),
  ]);
}

const shortest = getShortestPaths(world, {
  input: INPUT,
  events: possible(SAMPLES),
  serializeState,
});

Deno.test("shortest paths to every state of the machine keep the invariants on the fakes", async () => {
  const seen: StateValue[] = [];
  for (const path of longestOnly(shortest)) {
    for (const { context } of await replay(path)) seen.push(context.call.value, ...context.passed);
  }
  const missed = descendants(callMachine.root).filter((node) =>
    !seen.some((value) => matchesState(pathToStateValue(node.path), value))
  );
  assert.deepEqual(missed.map((node) => node.id), [], "states no path reached");
});

/** A shortest path that ends connected, with the offer answered and the server there. */
function connectedCall(): WorldPath {
  const path = shortest.find(({ state }) =>
    state.context.call.matches({
      session: {
        active: {
          server: "online",
          room: { call: { link: "connected", negotiation: "stable" } },
        },
      },
    })
  );
  assert.ok(path, "no path reaches a connected call");
  return path;
}

/** The samples of these types (`type` or `type:detail`, detail found in the payload). */
function pick(...names: string[]): Stimulus[] {
  return SAMPLES.filter((event) =>
    names.some((name) => {
      const [type, detail] = name.split(":");
      return event.type.startsWith(type) &&
        (detail === undefined || JSON.stringify(event).includes(`"${detail}"`));
    })
  );
}

/** Simple paths from a connected call through the recovery states, until the call is left. */
function recoveryPaths(samples: Stimulus[]): WorldPath[] {
  const head = connectedCall();
  const tails = getSimplePaths(world, {
    input: INPUT,
    fromState: head.state,
    events: possible(samples),
    serializeState: serialize,
    // Once out of the call, recovery is over: the shortest paths cover what comes after.
    stopWhen: (snapshot) => !snapshot.context.call.matches(IN_CALL),
  });
  // As joinPaths does; its check that the tail starts at the very same snapshot object fails
  // when a walk comes back to where it started.
  return longestOnly(
    tails.filter((tail) => tail.steps.length > 1).map((tail) => ({
      state: tail.state,
      steps: [...head.steps, ...tail.steps.slice(1)],
      weight: head.weight + tail.weight,
    })),
  );
}

function through(paths: WorldPath[], value: StateValue): boolean {
  return paths.some((path) =>
    path.steps.some(({ state }) => matchesState(value, state.context.call.value))
  );
}

Deno.test("simple paths through link recovery (unstable, recovering) keep the invariants", async () => {
  const paths = recoveryPaths(pick(
    "pc.connection",
    "network",
    "xstate.after.disconnectGrace",
    "xstate.after.restartWait",
    "signal.message:answer",
  ));
  for (const link of ["unstable", "recovering"] as const) {
    assert.ok(
      through(paths, { session: { active: { room: { call: { link } } } } }),
      `no path through ${link}`,
    );
  }
  for (const path of paths) await replay(path);
});

Deno.test("simple paths through server recovery (reconnecting) keep the invariants", async () => {
  const paths = recoveryPaths(pick(
    "signal.lost",
    "signal.restored",
    "pc.connection:failed",
    "pc.connection:connected",
    "xstate.after.restartWait",
  ));
  assert.ok(
    through(paths, { session: { active: { server: "reconnecting" } } }),
    "no path through reconnecting",
  );
  for (const path of paths) await replay(path);
});
