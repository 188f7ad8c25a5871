/**
 * Fake implementations of the call machines' effects, for running the real machines under
 * `deno test` on simulated time: media that records whether it was stopped, a signaling
 * connection (the "server" that seats calls in a room and relays between them is
 * `fake_room.ts`'s), and a peer connection that follows the
 * offer/answer state rules of RTCPeerConnection (including implicit rollback).
 *
 * @module
 */
import {
  type Actor,
  createActor,
  type EventObject,
  fromCallback,
  fromPromise,
  SimulatedClock,
} from "xstate";
import type { CallEvent, CallInput, CallMachine } from "../../machines/call_machine.ts";
import { type CallEffects, provideEffects } from "../../machines/effects.ts";
import { provideSessionEffects } from "../../machines/session_effects.ts";
import { FakePeerConnection } from "./fake_peer.ts";
import type {
  MediaCommand,
  MediaEvent,
  MediaFailure,
  MediaKind,
  ShareEvent,
  ShareInput,
  StreamLike,
  TrackLike,
} from "../../machines/media_types.ts";
import type {
  PeerCommand,
  PeerInput,
  WarmPeerInput,
  WarmPeerLike,
} from "../../machines/peer_types.ts";
import type {
  SignalingCommand,
  SignalingEvent,
  SignalingInput,
} from "../../machines/signaling_types.ts";
import type { SignalMessage } from "../../protocol/signaling.ts";
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
  /** How many the room seats, as the pre-join screen hears (2 by default; more: a group). */
  capacity?: number;
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
  const signalingEffect = fromCallback<SignalingCommand, SignalingInput>(
    ({ input, sendBack, receive }) => {
      const connection = new FakeSignalingConnection(name, input, sendBack);
      signaling.push(connection);
      receive((command) => connection.commands.push(command));
      return () => {
        connection.stopped = true;
      };
    },
  );
  const peerConnection = fromCallback<PeerCommand, PeerInput>(({ input, sendBack, receive }) => {
    const pc = new FakePeerConnection(name, input, sendBack);
    peers.push(pc);
    receive((command) => pc.run(command));
    if (input.initiator && !input.offered && options.autoNegotiate !== false) {
      queueMicrotask(() => !pc.closed && sendBack({ type: "pc.negotiationNeeded" }));
    }
    return () => pc.close();
  });
  const warmPeer = fromCallback<EventObject, WarmPeerInput>(({ input, sendBack }) => {
    const handle: WarmPeerLike = {
      offerForJoin: () => Promise.resolve(null),
      discard: () => {},
    };
    const made = { input, handle, stopped: false };
    warmed.push(made);
    sendBack({ type: "warm.made", warm: handle });
    return () => void (made.stopped = true);
  });
  // The session's code is here at once (the browser's comes with the call's chunk).
  const session = provideSessionEffects({ signaling: signalingEffect, peerConnection, warmPeer });
  const machine = provideEffects({
    lobby: fromCallback<{ type: "refresh" }, { roomId: string }>(({ sendBack, receive }) => {
      const answer = () => {
        if (call.roomMembers !== null) {
          sendBack({
            type: "lobby.status",
            members: call.roomMembers,
            capacity: options.capacity ?? 2,
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
    warmPeer,
    loadSession: fromPromise(() => Promise.resolve(session)),
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

export {
  connectedGroup,
  connectedGroupView,
  connectedPair,
  FakeRoom,
  joinedAck,
  negotiatedPair,
  peerInfo,
} from "./fake_room.ts";
export { FakePeerConnection };
