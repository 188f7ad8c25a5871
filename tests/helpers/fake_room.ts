/**
 * A fake signaling server for fake calls (`fake_call.ts`) in one room, and the pairs of calls
 * most tests start from: it seats calls, relays what they send to whom they name, tells the
 * others of arrivals and departures, and restarts.
 *
 * @module
 */
import {
  type Joined,
  type PeerInfo,
  type Role,
  roleToward,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import {
  createFakeCall,
  type FakeCall,
  type FakeCallOptions,
  type FakeSignalingConnection,
  settle,
  toReady,
} from "./fake_call.ts";

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
  /** The session each call last joined with (kept after it leaves). */
  #sessions = new Map<FakeCall, string>();

  /**
   * Answers `call`'s newest signaling connection's join. `offered`: the join carried the offer of
   * the connection made ahead, relayed to the first other member right after telling them of it;
   * `offeredMore`: and that many more, each to the next member (a group's newcomer).
   */
  join(call: FakeCall, session = sessionOf(call), { offered = false, offeredMore = 0 } = {}): void {
    const connection = call.socket;
    const taken = new Set([...this.#members].filter(([c]) => c !== call).map(([, m]) => m.place));
    let place = this.#members.get(call)?.place ?? 0;
    while (!this.#members.has(call) && taken.has(place)) place++;
    this.#members.set(call, { place, session, connection });
    this.#sessions.set(call, session);
    const others = this.#others(call);
    connection.send({
      type: "signal.joined",
      joined: joinedAck({
        place,
        peers: others.map(([, m]) => peerInfo(m.session, roleToward(place, m.place))),
      }),
      offered,
      ...(offeredMore ? { offeredMore } : {}),
    });
    for (const [, member] of others) {
      member.connection.send({
        type: "peer.joined",
        peer: peerInfo(session, roleToward(member.place, place)),
      });
    }
    const offeredTo = offered ? others.slice(0, 1 + offeredMore) : [];
    for (const [, member] of offeredTo) {
      const description = { type: "offer" as const, sdp: `warm offer ${call.name}` };
      this.relayed.push({ from: call.name, to: member.session, message: { description } });
      member.connection.send({ type: "signal.message", from: session, message: { description } });
    }
  }

  /** The session `call` joined with. */
  sessionOf(call: FakeCall): string {
    return this.#sessions.get(call)!;
  }

  /**
   * `call` leaves: hangs up (`hang-up`), its seat times out, or its page closes; the others are
   * told as the server tells them.
   */
  leave(call: FakeCall, reason: "hang-up" | "timeout" | "closed" = "hang-up"): void {
    const member = this.#members.get(call);
    if (!member) return;
    this.#members.delete(call);
    for (const [, other] of this.#others(call)) {
      other.connection.send(
        reason === "closed"
          ? { type: "peer.away", session: member.session, reason }
          : { type: "peer.left", session: member.session, reason },
      );
    }
  }

  /** The server stops: everyone's connection to it drops (then {@linkcode reseat}). */
  stopServer(): void {
    for (const member of this.#members.values()) {
      member.connection.send({ type: "signal.lost", jitter: 1 });
    }
  }

  /**
   * The server is back, empty: the members come back in the order of `order` (new places, so
   * roles may change), each told it is back (`signal.restored`) with a new seat and whoever is
   * seated before it, and those already back told of it.
   */
  reseat(order: FakeCall[]): void {
    const sessions = new Map([...this.#members].map(([call, m]) => [call, m.session]));
    this.#members.clear();
    order.forEach((call, place) => {
      const session = sessions.get(call)!;
      this.#members.set(call, { place, session, connection: call.socket });
      const others = this.#others(call);
      call.socket.send({
        type: "signal.restored",
        joined: joinedAck({
          place,
          seat: "new",
          peers: others.map(([, m]) => peerInfo(m.session, roleToward(place, m.place))),
        }),
      });
      for (const [, member] of others) {
        member.connection.send({
          type: "peer.joined",
          peer: peerInfo(session, roleToward(member.place, place)),
        });
      }
    });
  }

  /**
   * Delivers every `send` command the members queued, until none are left; with `only`, just
   * those it says yes to (the others wait in their queues).
   */
  async pump(only: (from: string, to: string) => boolean = () => true): Promise<void> {
    for (let round = 0; round < 50; round++) {
      let moved = false;
      for (const [call, member] of this.#members) {
        const { commands } = member.connection;
        for (let i = 0; i < commands.length;) {
          const command = commands[i];
          if (command.type !== "send" || !only(member.session, command.to)) {
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

/** `names.length` calls joined in one fake room in that order, negotiated and connected. */
export async function connectedGroup(
  names: string[],
  options: FakeCallOptions = {},
): Promise<{ calls: FakeCall[]; room: FakeRoom }> {
  const room = new FakeRoom();
  const calls = names.map((name) => createFakeCall(name, options));
  for (const call of calls) {
    await toReady(call);
    call.send({ type: "user.join" });
    await settle();
    room.join(call);
    await settle();
  }
  await room.pump();
  for (const call of calls) for (const pc of call.peers) pc.link("connected");
  await settle();
  return { calls, room };
}

/** The first person's view of a connected group of `names`, read once (the calls then stopped). */
export async function connectedGroupView(names: string[]): Promise<ReturnType<FakeCall["view"]>> {
  const { calls } = await connectedGroup(names);
  const seen = calls[0].view();
  for (const call of calls) call.actor.stop();
  return seen;
}
