/**
 * Rooms of more than two on the real server (server.ts as a subprocess) with real Socket.IO
 * clients: a group's size comes from its minted id, every member meets each of the others with a
 * role by join order, a signal reaches only the member it names, and the room holds no more than
 * its size, nor more than `MAX_ROOM_SIZE`.
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type Ack,
  type IncomingSignal,
  type JoinAck,
  type Joined,
  type PeerInfo,
  randomToken,
  type RoomStatusAck,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import {
  ClientGroup,
  emitWithAck,
  expectNoEvent,
  nextEvent,
  startServer,
} from "../helpers/server.ts";

const offer: SignalMessage = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
};

/** A room minted by `POST /new` with `query` (`?size=4`): its id. */
async function newRoom(url: string, query = ""): Promise<string> {
  const response = await fetch(`${url}/new${query}`, { method: "POST", redirect: "manual" });
  await response.body?.cancel();
  assert.equal(response.status, 303, `POST /new${query}`);
  return (response.headers.get("location") ?? "").replace(/^\/r\//, "");
}

interface Member {
  socket: Socket;
  session: string;
  ack: JoinAck;
}

async function join(clients: ClientGroup, room: string): Promise<Member> {
  const socket = await clients.connect();
  const session = randomToken(9);
  const ack = await emitWithAck<JoinAck>(socket, "join", { room, session });
  return { socket, session, ack };
}

function joined(member: Member): Joined {
  assert.equal(member.ack.ok, true, `join failed: ${JSON.stringify(member.ack)}`);
  return member.ack as Joined;
}

/** Seats `count` members one after the other, each waiting until the others heard of it. */
async function seat(clients: ClientGroup, room: string, count: number): Promise<Member[]> {
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const told = members.map((m) => nextEvent<PeerInfo>(m.socket, "peer-joined"));
    const member = await join(clients, room);
    joined(member);
    const arrivals = await Promise.all(told);
    for (const arrival of arrivals) assert.equal(arrival.session, member.session);
    members.push(member);
  }
  return members;
}

Deno.test("signaling: a group call of up to four", async (t) => {
  await using server = await startServer();
  await using clients = new ClientGroup(server.url);

  await t.step("POST /new?size=4 mints a group; one without a size is for two", async () => {
    const group = await newRoom(server.url, "?size=4");
    assert.match(group, /^[A-Za-z0-9_-]{22}4[A-Za-z0-9_-]{11}$/);
    assert.match(await newRoom(server.url), /^[A-Za-z0-9_-]{33}$/);
    const status = await emitWithAck<RoomStatusAck>(await clients.connect(), "room-status", {
      room: group,
    });
    assert.equal(status.ok && status.capacity, 4, JSON.stringify(status));
    for (const bad of ["?size=1", "?size=x", "?size=10", "?size=-3"]) {
      const response = await fetch(`${server.url}/new${bad}`, { method: "POST" });
      assert.equal(response.status, 400, bad);
      assert.match(await response.text(), /size/);
    }
  });

  await t.step("four meet each other, each with the role its join order gives", async (t) => {
    const room = await newRoom(server.url, "?size=4");
    const members = await seat(clients, room, 4);
    members.forEach((member, place) => {
      const ack = joined(member);
      assert.equal(ack.place, place);
      // The earlier members, in the order of their seats; the later one is polite.
      assert.deepEqual(
        ack.peers,
        members.slice(0, place).map((m) => ({ session: m.session, role: "polite" })),
      );
    });
    const status = await emitWithAck<RoomStatusAck>(await clients.connect(), "room-status", {
      room,
    });
    assert.equal(status.ok && status.members, 4);

    // A fifth is told the call is full, and nobody hears of them.
    const quiet = members.map((m) => expectNoEvent(m.socket, "peer-joined"));
    const fifth = await join(clients, room);
    assert.equal(!fifth.ack.ok && fifth.ack.error.code, "room-full");
    await Promise.all(quiet);

    await t.step("a signal reaches only the member it names, saying who sent it", async () => {
      const [ada, ben, cy, dee] = members;
      const heard = nextEvent<IncomingSignal>(cy.socket, "signal");
      const others = [ben, dee].map((m) => expectNoEvent(m.socket, "signal"));
      const ack = await emitWithAck<Ack>(ada.socket, "signal", { to: cy.session, ...offer });
      assert.deepEqual(ack, { ok: true });
      assert.deepEqual(await heard, { from: ada.session, ...offer });
      await Promise.all(others);
    });

    await t.step("a signal naming nobody, or someone of another room, reaches nobody", async () => {
      const [ada, ben, cy, dee] = members;
      const none = [ben, cy, dee].map((m) => expectNoEvent(m.socket, "signal"));
      const unaddressed = await emitWithAck<Ack>(ada.socket, "signal", offer);
      assert.equal(!unaddressed.ok && unaddressed.error.code, "invalid-message");
      const other = await seat(clients, await newRoom(server.url, "?size=3"), 1);
      const stranger = expectNoEvent(other[0].socket, "signal");
      await emitWithAck<Ack>(ada.socket, "signal", { to: other[0].session, ...offer });
      await Promise.all([...none, stranger]);
    });

    await t.step("one hangs up: the three others are told who, and a seat is free", async () => {
      const [ada, ben, cy, dee] = members;
      const told = [ada, cy, dee].map((m) => nextEvent(m.socket, "peer-left"));
      assert.deepEqual(await emitWithAck<Ack>(ben.socket, "leave"), { ok: true });
      for (const left of await Promise.all(told)) {
        assert.deepEqual(left, { session: ben.session, reason: "hang-up" });
      }
      const arrivals = [ada, cy, dee].map((m) => nextEvent<PeerInfo>(m.socket, "peer-joined"));
      const comer = await join(clients, room);
      const ack = joined(comer);
      assert.equal(ack.place, 1, "the free seat");
      assert.deepEqual(ack.peers.map((p) => [p.session, p.role]), [
        [ada.session, "polite"],
        [cy.session, "impolite"],
        [dee.session, "impolite"],
      ]);
      const roles = (await Promise.all(arrivals)).map((a) => a.role);
      assert.deepEqual(roles, ["impolite", "polite", "polite"]);
    });
  });

  await t.step("a newcomer's join carries an offer for each member, each to its own", async () => {
    const room = await newRoom(server.url, "?size=4");
    const members = await seat(clients, room, 3);
    const offerFor = (n: number) => ({
      type: "offer" as const,
      sdp: `${offer.description!.sdp}${n}`,
    });
    const socket = await clients.connect();
    const session = randomToken(9);

    // Refused whole, and nobody hears of it: more offers without the first, or too many.
    const quiet = members.map((m) => expectNoEvent(m.socket, "peer-joined"));
    for (
      const bad of [{ moreOffers: [offerFor(1)] }, {
        offer: offerFor(0),
        moreOffers: [offerFor(1), offerFor(2), offerFor(3)],
      }, { offer: offerFor(0), moreOffers: [{ type: "answer", sdp: "v=0" }] }]
    ) {
      const ack = await emitWithAck<JoinAck>(socket, "join", { room, session, ...bad });
      assert.equal(!ack.ok && ack.error.code, "invalid-message", JSON.stringify(bad));
    }
    await Promise.all(quiet);

    const heard = members.map((m) => nextEvent<IncomingSignal>(m.socket, "signal"));
    const ack = await emitWithAck<JoinAck>(socket, "join", {
      room,
      session,
      offer: offerFor(0),
      moreOffers: [offerFor(1), offerFor(2)],
    });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const offers = await Promise.all(heard);
    offers.forEach((signal, i) => {
      assert.deepEqual(signal, { from: session, description: offerFor(i) }, `member ${i}`);
    });
  });

  await t.step("a group's link with its size edited is no room", async () => {
    const room = await newRoom(server.url, "?size=3");
    const raised = room.slice(0, 22) + "9" + room.slice(23);
    const member = await join(clients, raised);
    assert.equal(!member.ack.ok && member.ack.error.code, "unknown-room");
    const status = await emitWithAck<RoomStatusAck>(member.socket, "room-status", { room: raised });
    assert.equal(!status.ok && status.error.code, "unknown-room");
  });
});

Deno.test("signaling: MAX_ROOM_SIZE caps groups, minted and already linked", async () => {
  await using small = await startServer({ env: { MAX_ROOM_SIZE: "3", ROOM_SECRET: "s3cret" } });
  await using clients = new ClientGroup(small.url);
  const room = await newRoom(small.url, "?size=4");
  assert.match(room, /^[A-Za-z0-9_-]{22}3/, "asked for four, minted for three");
  await seat(clients, room, 3);
  const fourth = await join(clients, room);
  assert.equal(!fourth.ack.ok && fourth.ack.error.code, "room-full");

  // A link for four made where four were allowed: seats three here.
  await using big = await startServer({ env: { ROOM_SECRET: "s3cret" } });
  const four = await newRoom(big.url, "?size=4");
  await seat(clients, four, 3);
  const extra = await join(clients, four);
  assert.equal(!extra.ack.ok && extra.ack.error.code, "room-full");
});
