/**
 * Fake implementations of the call machine's actors, for running the real machine under
 * `deno test`: media that records whether it was stopped, a signaling "server" that seats two
 * machines in a room and relays between them, and a peer connection that follows the
 * offer/answer state rules of RTCPeerConnection (including implicit rollback).
 *
 * @module
 */
import { type Actor, createActor, fromCallback, fromPromise } from "xstate";
import {
  type CallEvent,
  callMachine,
  type CaptureResult,
  type LinkState,
  type MediaKind,
  type PeerCommand,
  type PeerInput,
  type SignalingCommand,
  type SignalingInput,
  type StreamLike,
  type TrackLike,
} from "../../machines/call_machine.ts";
import type { Description, Role, SignalMessage } from "../../protocol/signaling.ts";

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
  addTrack(track: FakeTrack): void {
    if (!this.tracks.includes(track)) this.tracks.push(track);
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
  /** Tracks this connection sends: the input stream's, then whatever `addTracks` brought. */
  readonly sent: TrackLike[];
  #counter = 0;
  constructor(
    readonly owner: string,
    readonly input: PeerInput,
    readonly send: (event: CallEvent) => void,
  ) {
    this.sent = [...(input.stream?.getTracks() ?? [])];
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
        this.signalingState = "have-remote-offer";
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

/** One fake signaling connection (one machine's `session`). */
export class FakeSignalingConnection {
  readonly commands: SignalingCommand[] = [];
  stopped = false;
  constructor(
    readonly owner: string,
    readonly input: SignalingInput,
    readonly send: (event: CallEvent) => void,
  ) {}
}

/** Options for {@linkcode createFakeCall}. */
export interface FakeCallOptions {
  /** What `captureMedia` resolves to; a function gets the wanted kinds. */
  capture?: CaptureResult | ((wants: Record<MediaKind, boolean>) => CaptureResult);
  /** Delays to override (milliseconds), e.g. `{ disconnectGrace: 10 }`. */
  delays?: Partial<
    Record<
      | "disconnectGrace"
      | "restartWait"
      | "connectStall"
      | "connectTimeout"
      | "leaveTimeout"
      | "answerTimeout",
      number
    >
  >;
  /** Peer connections announce `negotiationneeded` on creation when initiator (default true). */
  autoNegotiate?: boolean;
}

/** A running call machine wired to fakes, with handles on everything it created. */
export interface FakeCall {
  name: string;
  actor: Actor<typeof callMachine>;
  /** Every stream `captureMedia` handed out. */
  streams: FakeStream[];
  /** Every signaling connection, newest last. */
  signaling: FakeSignalingConnection[];
  /** Every peer connection, newest last. */
  peers: FakePeerConnection[];
  /** The newest signaling connection. */
  readonly socket: FakeSignalingConnection;
  /** The newest peer connection. */
  readonly pc: FakePeerConnection;
  /** Sends an event to the machine. */
  send(event: CallEvent): void;
  /** Whether the snapshot matches a state value. */
  matches(
    value: Parameters<ReturnType<Actor<typeof callMachine>["getSnapshot"]>["matches"]>[0],
  ): boolean;
}

/** Starts a call machine named `name` on fake actors. */
export function createFakeCall(name: string, options: FakeCallOptions = {}): FakeCall {
  const streams: FakeStream[] = [];
  const signaling: FakeSignalingConnection[] = [];
  const peers: FakePeerConnection[] = [];
  const capture = options.capture ??
    ((wants: Record<MediaKind, boolean>): CaptureResult => ({
      stream: new FakeStream((["audio", "video"] as const).filter((k) => wants[k])),
      failure: null,
    }));
  const machine = callMachine.provide({
    actors: {
      captureMedia: fromPromise<CaptureResult, Record<MediaKind, boolean>>(({ input }) => {
        const result = typeof capture === "function" ? capture(input) : capture;
        if (result.stream instanceof FakeStream) streams.push(result.stream);
        return Promise.resolve(result);
      }),
      signaling: fromCallback<SignalingCommand, SignalingInput>(({ input, sendBack, receive }) => {
        const connection = new FakeSignalingConnection(name, input, sendBack);
        signaling.push(connection);
        receive((command) => connection.commands.push(command));
        return () => {
          connection.stopped = true;
        };
      }),
      peerConnection: fromCallback<PeerCommand, PeerInput>(({ input, sendBack, receive }) => {
        const pc = new FakePeerConnection(name, input, sendBack);
        peers.push(pc);
        receive((command) => pc.run(command));
        if (input.initiator && options.autoNegotiate !== false) {
          queueMicrotask(() => !pc.closed && sendBack({ type: "pc.negotiationNeeded" }));
        }
        return () => pc.close();
      }),
    },
    delays: options.delays,
  });
  const actor = createActor(machine, { input: { roomId: "room-for-tests-0001" } });
  actor.start();
  return {
    name,
    actor,
    streams,
    signaling,
    peers,
    get socket() {
      return signaling.at(-1)!;
    },
    get pc() {
      return peers.at(-1)!;
    },
    send: (event) => actor.send(event),
    matches: (value) => actor.getSnapshot().matches(value),
  };
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

/**
 * A fake signaling server for two fake calls in one room: it answers joins with roles, relays
 * `send` commands to the other member, and tells each about the other coming and going.
 */
export class FakeRoom {
  readonly relayed: { from: string; message: SignalMessage }[] = [];
  #members = new Map<FakeCall, { role: Role; connection: FakeSignalingConnection }>();

  /** Answers `call`'s newest signaling connection's join. */
  join(call: FakeCall, session = `${call.name}-session-${call.signaling.length}`): void {
    const connection = call.socket;
    const other = this.#other(call);
    const role: Role = other?.role === "impolite" ? "polite" : "impolite";
    this.#members.set(call, { role, connection });
    connection.send({
      type: "signal.joined",
      joined: {
        role,
        peer: other
          ? { session: `${other.call.name}-session-${other.call.signaling.length}` }
          : null,
        iceServers: [],
        resume: "resume-token",
        seat: "new",
        seatGraceMs: 30000,
        iceTransportPolicy: "all",
      },
    });
    other?.member.connection.send({ type: "peer.joined", peer: { session } });
  }

  /** Delivers every `send` command both members queued, until none are left. */
  async pump(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      let moved = false;
      for (const [call, member] of this.#members) {
        const other = this.#other(call);
        while (member.connection.commands.length > 0) {
          const command = member.connection.commands.shift()!;
          if (command.type !== "send") continue;
          moved = true;
          this.relayed.push({ from: call.name, message: command.message });
          other?.member.connection.send({ type: "signal.message", message: command.message });
        }
      }
      await settle(2);
      if (!moved) return;
    }
    throw new Error("signaling never settled");
  }

  #other(call: FakeCall) {
    for (const [c, member] of this.#members) {
      if (c !== call) return { call: c, member, role: member.role };
    }
    return null;
  }
}
