/**
 * Fake implementations of the call machines' effects, for running the real machines under
 * `deno test` on simulated time: media that records whether it was stopped, a signaling "server"
 * that seats calls in a room and relays between them, and a peer connection that follows the
 * offer/answer state rules of RTCPeerConnection (including implicit rollback).
 *
 * @module
 */
import { type Actor, createActor, type EventObject, fromCallback, SimulatedClock } from "xstate";
import type { CallEvent, CallInput, CallMachine } from "../../machines/call_machine.ts";
import { type CallEffects, provideEffects } from "../../machines/effects.ts";
import type {
  LinkState,
  MediaCommand,
  MediaEvent,
  MediaFailure,
  MediaKind,
  PeerCommand,
  PeerEvent,
  PeerInput,
  ShareEvent,
  ShareInput,
  SignalingCommand,
  SignalingEvent,
  SignalingInput,
  StreamLike,
  TrackLike,
  WarmPeerInput,
  WarmPeerLike,
} from "../../machines/call_types.ts";
import {
  type Description,
  type Joined,
  type PeerInfo,
  type Role,
  roleToward,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import { type CallView, callView } from "../../client/page/call_view.ts";

/** A track that remembers being stopped. */
export class FakeTrack implements TrackLike {
  enabled = true;
  stopped = false;
  constructor(readonly kind: MediaKind) {}
  stop(): void {
    this.stopped = true;
  }
}

/** A stream of fake tracks. */
export class FakeStream implements StreamLike {
  readonly tracks: FakeTrack[];
  constructor(kinds: MediaKind[] = ["audio", "video"]) {
    this.tracks = kinds.map((kind) => new FakeTrack(kind));
  }
  getTracks(): FakeTrack[] {
    return this.tracks;
  }
}

/** What a fake capture of `wants` gets: the kinds it could have, and why the others failed. */
export type CapturePlan = (
  wants: MediaKind[],
) => { got: MediaKind[]; failure: MediaFailure | null };

/** Every capture succeeds. */
export const CAPTURE_ALL: CapturePlan = (wants) => ({ got: wants, failure: null });

/** The fake camera and microphone: one per `live` state, like the browser's. */
export class FakeMedia {
  stream: FakeStream | null = null;
  /** Every track it ever handed out. */
  readonly tracks: FakeTrack[] = [];
  stopped = false;
  constructor(
    readonly plan: () => CapturePlan,
    readonly send: (event: MediaEvent) => void,
  ) {}

  capture(wants: Record<MediaKind, boolean>): void {
    for (const track of this.stream?.tracks ?? []) track.stop();
    const { got, failure } = this.plan()((["audio", "video"] as const).filter((k) => wants[k]));
    this.stream = got.length > 0 ? this.#stream(got) : null;
    queueMicrotask(() => {
      if (this.stopped) return;
      this.send({ type: "media.captured", stream: this.stream, failure });
      this.#sendSources();
    });
  }

  /** Whether the microphone is captured with the browser's own noise suppression. */
  browserNoiseSuppression = true;

  /** What effects' tracks it was told to send in place of the captured ones, in order. */
  readonly processed: { kind: MediaKind; track: TrackLike | null }[] = [];
  /** The captured track of each kind while an effect's is sent in its place. */
  readonly #captured: Partial<Record<MediaKind, TrackLike>> = {};

  /**
   * Sends an effect's `track` in place of the captured `kind` (null: that one again), as the
   * browser's `localMedia` does.
   */
  process(kind: MediaKind, track: TrackLike | null): void {
    this.processed.push({ kind, track });
    const tracks = this.stream?.tracks as TrackLike[] | undefined;
    const index = tracks?.findIndex((t) => t.kind === kind) ?? -1;
    if (!tracks || index < 0) return;
    this.#captured[kind] ??= tracks[index];
    const shown = track ?? this.#captured[kind]!;
    if (!track) delete this.#captured[kind];
    if (tracks[index] === shown) return;
    tracks[index] = shown;
    queueMicrotask(() => {
      if (this.stopped) return;
      this.send({ type: "media.replaced", stream: this.stream, kind, track: shown });
    });
  }

  /** Tells the effects which tracks were captured. */
  #sendSources(): void {
    const source = (kind: MediaKind) =>
      this.#captured[kind] ?? this.stream?.tracks.find((t) => t.kind === kind) ?? null;
    this.send({
      type: "media.sources",
      sources: { audio: source("audio"), video: source("video") },
    });
  }

  run(command: MediaCommand): void {
    if (command.type === "capture") {
      this.browserNoiseSuppression = command.noiseSuppression;
      return this.capture(command.wants);
    }
    if (command.type === "enable") {
      for (const track of this.stream?.tracks ?? []) {
        track.enabled = track.kind === "audio" ? command.audio : command.video;
      }
      return;
    }
    if (command.type === "use") return this.use(command.kind, command.deviceId);
    if (command.type === "process") return this.process(command.kind, command.track);
    if (command.type === "browserNoiseSuppression") {
      return void (this.browserNoiseSuppression = true);
    }
    const { got, failure } = this.plan()([command.kind]);
    queueMicrotask(() => {
      if (this.stopped) return;
      if (got.length === 0) {
        return this.send({
          type: "media.refused",
          failure: failure ?? { reason: "other", missing: [command.kind] },
        });
      }
      const track = this.#track(command.kind);
      this.stream ??= new FakeStream([]);
      this.stream.tracks.push(track);
      this.send({ type: "media.added", stream: this.stream, kind: command.kind });
    });
  }

  /** The device each kind was last switched to. */
  readonly devices: Partial<Record<MediaKind, string>> = {};

  /** Another device for `kind`: its track swapped in, as the browser's `localMedia` does. */
  use(kind: MediaKind, deviceId: string): void {
    this.devices[kind] = deviceId;
    const shown = this.stream?.tracks.find((t) => t.kind === kind);
    const old = this.#captured[kind] ?? shown;
    if (!this.stream || !old || !shown) return;
    old.stop();
    const track = this.#track(kind);
    // Under an effect (as in the browser) the new one goes through it: nothing sent changes.
    const processed = this.#captured[kind] !== undefined;
    if (processed) this.#captured[kind] = track;
    else this.stream.tracks.splice(this.stream.tracks.indexOf(shown), 1, track);
    queueMicrotask(() => {
      if (this.stopped) return;
      if (!processed) this.send({ type: "media.replaced", stream: this.stream, kind, track });
      this.#sendSources();
    });
  }

  stop(): void {
    this.stopped = true;
    for (const track of [...this.stream?.tracks ?? [], ...Object.values(this.#captured)]) {
      // An effect's track is its actor's to stop.
      if (track instanceof FakeTrack) track.stop();
    }
  }

  #stream(kinds: MediaKind[]): FakeStream {
    const stream = new FakeStream([]);
    for (const kind of kinds) stream.tracks.push(this.#track(kind));
    return stream;
  }

  #track(kind: MediaKind): FakeTrack {
    const track = new FakeTrack(kind);
    this.tracks.push(track);
    return track;
  }
}

/** A peer connection that keeps RTCPeerConnection's signaling-state rules. */
export class FakePeerConnection {
  signalingState: "stable" | "have-local-offer" | "have-remote-offer" | "closed" = "stable";
  remoteDescription: Description | null = null;
  localDescription: Description | null = null;
  readonly candidates: string[] = [];
  readonly earlyCandidates: string[] = [];
  readonly commands: PeerCommand["type"][] = [];
  closed = false;
  rollbacks = 0;
  /** What `diagnose` answers: by default a relay is in play, so no early verdict. */
  diagnosis = { path: false, relay: true, turn: true };
  /** Tracks this connection sends: the input stream's, then whatever `addTracks` brought. */
  readonly sent: TrackLike[];
  #counter = 0;
  constructor(
    readonly owner: string,
    readonly input: PeerInput,
    readonly send: (event: PeerEvent) => void,
  ) {
    this.sent = [...(input.stream?.getTracks() ?? [])];
    // The connection made ahead whose offer went out with the join (client/effects/warm_peer.ts).
    if (input.offered) {
      this.localDescription = { type: "offer", sdp: `warm offer ${owner}` };
      this.signalingState = "have-local-offer";
    }
  }

  /** Reports a connection state, as the browser's connectionstatechange would. */
  link(state: LinkState): void {
    if (!this.closed) this.send({ type: "pc.connection", state });
  }

  run(command: PeerCommand): void {
    this.commands.push(command.type);
    if (this.closed) return;
    switch (command.type) {
      case "offer":
        if (this.signalingState !== "stable") return;
        this.localDescription = { type: "offer", sdp: `offer ${this.owner} ${++this.#counter}` };
        this.signalingState = "have-local-offer";
        return this.send({ type: "pc.localDescription", description: this.localDescription });
      case "acceptOffer":
        if (this.signalingState === "have-local-offer") this.rollbacks++;
        this.remoteDescription = command.description;
        this.candidates.push(...this.earlyCandidates.splice(0));
        this.localDescription = { type: "answer", sdp: `answer ${this.owner} ${++this.#counter}` };
        this.signalingState = "stable";
        return this.send({ type: "pc.localDescription", description: this.localDescription });
      case "acceptAnswer":
        if (this.signalingState !== "have-local-offer") return;
        this.remoteDescription = command.description;
        this.signalingState = "stable";
        this.candidates.push(...this.earlyCandidates.splice(0));
        return;
      case "addCandidate":
        if (this.remoteDescription) this.candidates.push(command.candidate.candidate);
        else this.earlyCandidates.push(command.candidate.candidate);
        return;
      case "restartIce":
        return this.send({ type: "pc.negotiationNeeded" });
      case "rollback":
        if (this.signalingState !== "have-local-offer") return;
        this.rollbacks++;
        this.localDescription = null;
        this.signalingState = "stable";
        return;
      case "setIceServers":
        return;
      case "diagnose":
        return this.send({ type: "pc.diagnosis", ...this.diagnosis });
      case "replaceTrack": {
        const index = this.sent.findIndex((track) => track.kind === command.kind);
        if (index >= 0) this.sent.splice(index, 1);
        if (command.track) this.sent.push(command.track);
        return;
      }
      case "addTracks": {
        const unsent = command.stream.getTracks().filter((track) => !this.sent.includes(track));
        this.sent.push(...unsent);
        // A new track to send needs a new offer, as in a browser.
        if (unsent.length > 0) this.send({ type: "pc.negotiationNeeded" });
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.signalingState = "closed";
  }
}

/** A fake screen share (issue 11): the test decides when the person picks a screen or stops. */
export class FakeScreenShare {
  readonly track = new FakeTrack("video");
  /** Whether the machine stopped it (left the sharing state). */
  stopped = false;
  constructor(
    readonly send: (event: ShareEvent) => void,
    readonly input: ShareInput = { microphone: null },
  ) {}
  /** The person picked a screen. */
  pick(): void {
    if (!this.stopped) this.send({ type: "share.started", track: this.track });
  }
  /** The share ended outside Parley (the browser's "Stop sharing"), or was declined. */
  end(reason: "declined" | "failed" | "stopped" = "stopped"): void {
    if (!this.stopped) this.send({ type: "share.ended", reason });
  }
}

/** One fake signaling connection (one session's). */
export class FakeSignalingConnection {
  readonly commands: SignalingCommand[] = [];
  stopped = false;
  constructor(
    readonly owner: string,
    readonly input: SignalingInput,
    readonly send: (event: SignalingEvent) => void,
  ) {}

  /** How many times the machine asked it to connect. */
  get connects(): number {
    return this.commands.filter((command) => command.type === "connect").length;
  }

  /** The messages the machine asked it to relay. */
  get sent(): SignalMessage[] {
    return this.commands.flatMap((command) => command.type === "send" ? [command.message] : []);
  }
}

/** Options for {@linkcode createFakeCall}. */
export interface FakeCallOptions {
  /** What captures get; every kind by default. Changeable later through `call.capture`. */
  capture?: CapturePlan;
  /** Peer connections announce `negotiationneeded` on creation when initiator (default true). */
  autoNegotiate?: boolean;
  /** How many the pre-join screen hears are in the room; 0 by default, null for no answer. */
  roomMembers?: number | null;
  /** Whether the pre-join screen hears the server has a relay (default false). */
  relay?: boolean;
  input?: Partial<CallInput>;
  /** Noise suppression and blur's actors (tests/helpers/fake_processing.ts); none by default. */
  effects?: Pick<CallEffects, "processing">;
}

/** A running call machine wired to fakes on simulated time, with handles on what it made. */
export interface FakeCall {
  name: string;
  actor: Actor<CallMachine>;
  clock: SimulatedClock;
  /** What the next captures get. */
  capture: CapturePlan;
  /** What the pre-join screen hears of the room (null: nothing, the server is away). */
  roomMembers: number | null;
  /** Whether the pre-join screen hears the server has a relay. */
  relay: boolean;
  /** Every fake camera/microphone, newest last. */
  media: FakeMedia[];
  /** Every signaling connection, newest last. */
  signaling: FakeSignalingConnection[];
  /** Every peer connection, newest last. */
  peers: FakePeerConnection[];
  /** Every screen share, newest last. */
  shares: FakeScreenShare[];
  /**
   * Every peer connection made ahead (`warmPeer`), newest last: what it was made for, the handle
   * it reported to the machines (`warm.made`), and whether its maker stopped.
   */
  warmed: { input: WarmPeerInput; handle: WarmPeerLike; stopped: boolean }[];
  /** The newest signaling connection. */
  readonly socket: FakeSignalingConnection;
  /** The newest peer connection. */
  readonly pc: FakePeerConnection;
  /** The newest fake camera/microphone's stream. */
  readonly stream: FakeStream | null;
  /** Sends an event to the machine. */
  send(event: CallEvent): void;
  /** What the page shows now. */
  view(): CallView;
  /** Advances simulated time, letting what the fakes do in between happen. */
  advance(ms: number): Promise<void>;
}

/** Starts a call machine named `name` on fake effects and a simulated clock. */
export function createFakeCall(name: string, options: FakeCallOptions = {}): FakeCall {
  const media: FakeMedia[] = [];
  const signaling: FakeSignalingConnection[] = [];
  const peers: FakePeerConnection[] = [];
  const shares: FakeScreenShare[] = [];
  const warmed: FakeCall["warmed"] = [];
  const clock = new SimulatedClock();
  const call = {} as FakeCall;
  const machine = provideEffects({
    lobby: fromCallback<{ type: "refresh" }, { roomId: string }>(({ sendBack, receive }) => {
      const answer = () => {
        if (call.roomMembers !== null) {
          sendBack({
            type: "lobby.status",
            members: call.roomMembers,
            capacity: 2,
            yours: false,
            relay: call.relay,
            iceServers: call.relay ? null : [],
          });
        }
      };
      queueMicrotask(answer);
      receive(answer);
    }),
    localMedia: fromCallback<MediaCommand, Record<MediaKind, boolean>>(
      ({ sendBack, receive }) => {
        const fake = new FakeMedia(() => call.capture, sendBack);
        media.push(fake);
        receive((command) => fake.run(command));
        return () => fake.stop();
      },
    ),
    signaling: fromCallback<SignalingCommand, SignalingInput>(({ input, sendBack, receive }) => {
      const connection = new FakeSignalingConnection(name, input, sendBack);
      signaling.push(connection);
      receive((command) => connection.commands.push(command));
      return () => {
        connection.stopped = true;
      };
    }),
    warmPeer: fromCallback<EventObject, WarmPeerInput>(({ input, sendBack }) => {
      const handle: WarmPeerLike = {
        offerForJoin: () => Promise.resolve(null),
        discard: () => {},
      };
      const made = { input, handle, stopped: false };
      warmed.push(made);
      sendBack({ type: "warm.made", warm: handle });
      return () => void (made.stopped = true);
    }),
    peerConnection: fromCallback<PeerCommand, PeerInput>(({ input, sendBack, receive }) => {
      const pc = new FakePeerConnection(name, input, sendBack);
      peers.push(pc);
      receive((command) => pc.run(command));
      if (input.initiator && !input.offered && options.autoNegotiate !== false) {
        queueMicrotask(() => !pc.closed && sendBack({ type: "pc.negotiationNeeded" }));
      }
      return () => pc.close();
    }),
    screenShare: fromCallback<{ type: "stop" }, ShareInput>(({ input, sendBack }) => {
      const share = new FakeScreenShare(sendBack, input);
      shares.push(share);
      return () => {
        share.stopped = true;
        share.track.stop();
      };
    }),
    ...options.effects,
  });
  const actor = createActor(machine, {
    input: { roomId: "room-for-tests-0001", ...options.input },
    clock,
  });
  Object.assign(call, {
    name,
    actor,
    clock,
    capture: options.capture ?? CAPTURE_ALL,
    roomMembers: options.roomMembers === undefined ? 0 : options.roomMembers,
    relay: options.relay ?? false,
    media,
    signaling,
    peers,
    shares,
    warmed,
    send: (event: CallEvent) => actor.send(event),
    view: () => callView(actor.getSnapshot()),
    advance: (ms: number) => advanceClock(clock, ms),
  });
  Object.defineProperties(call, {
    socket: { get: () => signaling.at(-1)! },
    pc: { get: () => peers.at(-1)! },
    stream: { get: () => media.at(-1)?.stream ?? null },
  });
  actor.start();
  return call;
}

/**
 * Advances `clock` by `ms`, timer by timer: each timer fires at its own time, and what the fakes
 * do in answer (and the timers that starts) happens before the next one.
 */
export async function advanceClock(clock: SimulatedClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  const timers = (clock as unknown as { timeouts: Map<number, { start: number; timeout: number }> })
    .timeouts;
  for (;;) {
    await settle();
    let next = Infinity;
    for (const { start, timeout } of timers.values()) next = Math.min(next, start + timeout);
    if (next > end) break;
    clock.set(Math.max(next, clock.now()));
  }
  clock.set(end);
  await settle();
}

/** Lets queued microtasks and promise reactions run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Takes a fake call from idle to the pre-join screen. */
export async function toReady(call: FakeCall): Promise<void> {
  call.send({ type: "user.start" });
  await settle();
}

/** A join acknowledgement. */
export function joinedAck(options: Partial<Joined> = {}): Joined {
  return {
    place: 0,
    peers: [],
    iceServers: [],
    resume: "resume-token",
    seat: "new",
    seatGraceMs: 30000,
    iceTransportPolicy: "all",
    ...options,
  };
}

/** Another member as the server describes them; our role toward them impolite unless said (the first to join). */
export function peerInfo(session: string, role: Role = "impolite"): PeerInfo {
  return { session, role };
}

interface FakeMember {
  place: number;
  session: string;
  connection: FakeSignalingConnection;
}

/**
 * A fake signaling server for fake calls in one room: it answers joins with each member's role
 * toward the others (the later seat is polite), relays `send` commands to the member they name,
 * and tells the others of each arrival.
 */
export class FakeRoom {
  readonly relayed: { from: string; to: string; message: SignalMessage }[] = [];
  #members = new Map<FakeCall, FakeMember>();

  /**
   * Answers `call`'s newest signaling connection's join. `offered`: the join carried the offer of
   * the connection made ahead, relayed to the first other member right after telling them of it.
   */
  join(call: FakeCall, session = sessionOf(call), { offered = false } = {}): void {
    const connection = call.socket;
    const taken = new Set([...this.#members].filter(([c]) => c !== call).map(([, m]) => m.place));
    let place = this.#members.get(call)?.place ?? 0;
    while (!this.#members.has(call) && taken.has(place)) place++;
    this.#members.set(call, { place, session, connection });
    const others = this.#others(call);
    connection.send({
      type: "signal.joined",
      joined: joinedAck({
        place,
        peers: others.map(([, m]) => peerInfo(m.session, roleToward(place, m.place))),
      }),
      offered,
    });
    for (const [, member] of others) {
      member.connection.send({
        type: "peer.joined",
        peer: peerInfo(session, roleToward(member.place, place)),
      });
    }
    const first = others[0]?.[1];
    if (offered && first) {
      const description = { type: "offer" as const, sdp: `warm offer ${call.name}` };
      this.relayed.push({ from: call.name, to: first.session, message: { description } });
      first.connection.send({ type: "signal.message", from: session, message: { description } });
    }
  }

  /** The session `call` joined with. */
  sessionOf(call: FakeCall): string {
    return this.#members.get(call)!.session;
  }

  /** Delivers every `send` command the members queued, until none are left. */
  async pump(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      let moved = false;
      for (const [call, member] of this.#members) {
        const { commands } = member.connection;
        for (let i = 0; i < commands.length;) {
          const command = commands[i];
          if (command.type !== "send") {
            i++;
            continue;
          }
          commands.splice(i, 1);
          moved = true;
          this.relayed.push({ from: call.name, to: command.to, message: command.message });
          const to = [...this.#members.values()].find((m) => m.session === command.to);
          to?.connection.send({
            type: "signal.message",
            from: member.session,
            message: command.message,
          });
        }
      }
      await settle(2);
      if (!moved) return;
    }
    throw new Error("signaling never settled");
  }

  #others(call: FakeCall): [FakeCall, FakeMember][] {
    return [...this.#members].filter(([c]) => c !== call).sort(([, x], [, y]) => x.place - y.place);
  }
}

function sessionOf(call: FakeCall): string {
  return `${call.name}-session-${call.signaling.length}`;
}

/** Two calls in one fake room, joined and negotiated; their link not connected yet. */
export async function negotiatedPair(
  aOptions: FakeCallOptions = {},
): Promise<{ a: FakeCall; b: FakeCall; room: FakeRoom }> {
  const a = createFakeCall("a", aOptions);
  const b = createFakeCall("b");
  const room = new FakeRoom();
  for (const call of [a, b]) {
    await toReady(call);
    call.send({ type: "user.join" });
    await settle();
    room.join(call);
    await settle();
  }
  await room.pump();
  return { a, b, room };
}

/** Two calls in one fake room, both connected (`a` made with `aOptions`). */
export async function connectedPair(
  aOptions: FakeCallOptions = {},
): Promise<{ a: FakeCall; b: FakeCall; room: FakeRoom }> {
  const { a, b, room } = await negotiatedPair(aOptions);
  a.pc.link("connected");
  b.pc.link("connected");
  await settle();
  return { a, b, room };
}
