/**
 * The real server (server.ts as a subprocess) against real Socket.IO clients and raw HTTP: what a
 * browser tab would see.
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type IncomingSignal,
  newRoomId,
  randomToken,
  type RoomStatusAck,
} from "../../protocol/signaling.ts";
import {
  ClientGroup,
  closeClient,
  emitWithAck,
  expectNoEvent,
  nextEvent,
  recordEvents,
  startServer,
} from "../helpers/server.ts";
import {
  assertRelays,
  candidate,
  content,
  errorCode,
  join,
  joined,
  offer,
  pair,
  session,
  signal,
} from "../helpers/signaling_calls.ts";

Deno.test("signaling: rooms of two over Socket.IO", async (t) => {
  await using server = await startServer();

  await t.step(
    "the first member is seated alone with a resume token and no ICE servers",
    async () => {
      await using clients = new ClientGroup(server.url);
      const a = await clients.connect();
      const ack = await joined(a, newRoomId());
      assert.equal(ack.place, 0);
      assert.deepEqual(ack.peers, []);
      assert.match(ack.resume, /^[A-Za-z0-9_-]{16,64}$/);
      assert.equal(ack.seat, "new");
      assert.equal(ack.seatGraceMs, 30_000, "the default seat grace, 30 s");
      assert.deepEqual(ack.iceServers, []);
    },
  );

  await t.step("the second member gets the other role and both learn of each other", async () => {
    await using clients = new ClientGroup(server.url);
    const a = await clients.connect();
    const b = await clients.connect();
    const room = newRoomId();
    const sessionA = session();
    const sessionB = session();
    const ackA = await joined(a, room, { session: sessionA });
    const arrived = nextEvent(a, "peer-joined");
    const ackB = await joined(b, room, { session: sessionB });
    assert.notEqual(ackB.place, ackA.place);
    assert.deepEqual(ackB.peers, [{ session: sessionA, role: "polite" }]);
    assert.notEqual(ackB.resume, ackA.resume);
    assert.deepEqual(await arrived, { session: sessionB, role: "impolite" });
  });

  await t.step("a signal reaches the other member only, both ways", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b } = await pair(clients);
    const echo = expectNoEvent(a, "signal");
    await assertRelays(a, b, offer);
    await echo;
    await assertRelays(b, a, { description: { type: "answer", sdp: "v=0\r\n" } });
    await assertRelays(b, a, { candidate });
  });

  await t.step("a candidate without optional fields arrives with them as null", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b } = await pair(clients);
    const received = nextEvent<IncomingSignal>(b, "signal");
    assert.deepEqual(await signal(a, { candidate: { candidate: "" } }), { ok: true });
    assert.deepEqual(content(await received), {
      candidate: { candidate: "", sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
    });
  });

  await t.step("messages never cross from one room to another", async () => {
    await using clients = new ClientGroup(server.url);
    const pairs = [];
    for (let i = 0; i < 3; i++) pairs.push(await pair(clients));
    const loner = await clients.connect();
    await joined(loner, newRoomId());
    const logs = new Map<Socket, ReturnType<typeof recordEvents>>();
    for (const socket of [...pairs.flatMap(({ a, b }) => [a, b]), loner]) {
      logs.set(socket, recordEvents(socket));
    }

    // Every member says something only its partner should hear.
    const arrivals = [];
    for (const [i, { a, b }] of pairs.entries()) {
      for (const [from, to, tag] of [[a, b, `a${i}`], [b, a, `b${i}`]] as const) {
        arrivals.push(nextEvent(to, "signal"));
        await signal(from, { description: { type: "offer", sdp: `from ${tag}` } });
      }
    }
    assert.deepEqual(await signal(loner, offer), { ok: true });
    await Promise.all(arrivals);
    // One member of the first room hangs up, one of the second drops.
    const hungUp = nextEvent(pairs[0].b, "peer-left");
    await emitWithAck(pairs[0].a, "leave");
    await hungUp;
    const away = nextEvent(pairs[1].b, "peer-away");
    await closeClient(pairs[1].a);
    await away;
    await new Promise((resolve) => setTimeout(resolve, 200));

    for (const [i, { a, b }] of pairs.entries()) {
      const heard = (socket: Socket) =>
        logs.get(socket)!.filter((e) => e.event === "signal").map((e) =>
          content(e.args[0] as IncomingSignal)
        );
      const heardByA = heard(a);
      const heardByB = heard(b);
      assert.deepEqual(heardByA, [{ description: { type: "offer", sdp: `from b${i}` } }]);
      assert.deepEqual(heardByB, [{ description: { type: "offer", sdp: `from a${i}` } }]);
    }
    assert.deepEqual(logs.get(loner), []);
    assert.deepEqual(logs.get(pairs[0].b)!.map((e) => e.event), ["signal", "peer-left"]);
    assert.deepEqual(logs.get(pairs[1].b)!.map((e) => e.event), ["signal", "peer-away"]);
    assert.deepEqual(logs.get(pairs[2].a)!.map((e) => e.event), ["signal"]);
    assert.deepEqual(logs.get(pairs[2].b)!.map((e) => e.event), ["signal"]);
  });

  await t.step("a third member is turned away and cannot signal into the room", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b } = await pair(clients);
    const c = await clients.connect();
    const noNews = [expectNoEvent(a, "peer-joined"), expectNoEvent(b, "peer-joined")];
    const ack = await join(c, room);
    assert.equal(ack.ok, false);
    assert.equal(errorCode(ack), "room-full");
    assert.ok(!ack.ok && ack.error.message.length > 0);
    assert.equal(errorCode(await signal(c, offer)), "not-joined");
    await Promise.all(noNews);
    const cHears = expectNoEvent(c, "signal");
    await assertRelays(a, b);
    await cHears;
  });

  await t.step(
    "an offer sent with the join reaches the member waiting, after peer-joined",
    async () => {
      await using clients = new ClientGroup(server.url);
      const room = newRoomId();
      const a = await clients.connect();
      await joined(a, room);
      const heard = recordEvents(a);
      const relayed = nextEvent(a, "signal");
      const b = await clients.connect();
      const sessionB = session();
      const ackB = await joined(b, room, { session: sessionB, offer: offer.description });
      assert.equal(ackB.peers.length, 1);
      await relayed;
      assert.deepEqual(heard.map(({ event }) => event), ["peer-joined", "signal"]);
      assert.deepEqual(heard[1].args[0], { from: sessionB, ...offer });
      // Alone in a room, an offer goes nowhere; the join is the same.
      const c = await clients.connect();
      const alone = await joined(c, newRoomId(), { offer: offer.description });
      assert.deepEqual(alone.peers, []);
    },
  );

  await t.step("room-status tells how many are in a room without taking a seat", async () => {
    await using clients = new ClientGroup(server.url);
    const watcher = await clients.connect();
    const status = (room: unknown, resume?: string) =>
      emitWithAck<RoomStatusAck>(watcher, "room-status", { room, ...(resume ? { resume } : {}) });
    const minted = await fetch(`${server.url}/new`, { method: "POST", redirect: "manual" });
    await minted.body?.cancel();
    const room = minted.headers.get("location")!.slice("/r/".length);
    assert.deepEqual(await status(room), {
      ok: true,
      members: 0,
      capacity: 2,
      yours: false,
      relay: false,
      iceServers: [],
    });
    const a = await clients.connect();
    const ackA = await joined(a, room);
    assert.deepEqual(await status(room), {
      ok: true,
      members: 1,
      capacity: 2,
      yours: false,
      relay: false,
      iceServers: [],
    });
    const b = await clients.connect();
    await joined(b, room);
    assert.deepEqual(await status(room), {
      ok: true,
      members: 2,
      capacity: 2,
      yours: false,
      relay: false,
      iceServers: [],
    });
    // A's page closed: its seat is held, and its token says the full room has a seat for it.
    await closeClient(a);
    assert.deepEqual(await status(room, ackA.resume), {
      ok: true,
      members: 2,
      capacity: 2,
      yours: true,
      relay: false,
      iceServers: [],
    });
    const guessed = await status(room, randomToken(18));
    assert.equal(guessed.ok && guessed.yours, false, "a guessed token holds nothing");
    const bad = await status("no");
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, "invalid-room");
    // Only rooms this server minted are answered: made-up names cannot be found by asking.
    const madeUp = newRoomId();
    await joined(await clients.connect(), madeUp);
    const unknown = await status(madeUp);
    assert.equal(!unknown.ok && unknown.error.code, "unknown-room");
    // Asking took no seat: the watcher can still join another room, and nobody heard of it.
    await joined(watcher, newRoomId());
  });

  await t.step("hanging up tells the peer and frees the seat", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b, ackA, sessionA } = await pair(clients);
    const left = nextEvent(b, "peer-left");
    assert.deepEqual(await emitWithAck(a, "leave"), { ok: true });
    assert.deepEqual(await left, { session: sessionA, reason: "hang-up" });
    assert.equal(errorCode(await signal(a, offer)), "not-joined");
    assert.equal(errorCode(await emitWithAck(a, "leave")), "not-joined");

    const c = await clients.connect();
    const arrived = nextEvent(b, "peer-joined");
    const ackC = await joined(c, room);
    assert.equal(ackC.place, ackA.place);
    await arrived;
    await assertRelays(b, c);
  });

  await t.step("a dropped member is reported away with the grace period", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b, sessionA } = await pair(clients);
    const away = nextEvent(b, "peer-away");
    await closeClient(a);
    assert.deepEqual(await away, { session: sessionA, reason: "closed", graceMs: 30_000 });
    await expectNoEvent(b, "peer-left", 300);
  });

  await t.step("the resume token takes the held seat back; a stranger cannot", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b, ackA, sessionA, sessionB } = await pair(clients);
    const away = nextEvent(b, "peer-away");
    await closeClient(a);
    await away;

    const stranger = await clients.connect();
    assert.equal(errorCode(await join(stranger, room)), "room-full");
    const guess = await clients.connect();
    assert.equal(errorCode(await join(guess, room, { resume: randomToken(18) })), "room-full");

    const back = await clients.connect();
    const newSession = session();
    const arrived = nextEvent(b, "peer-joined");
    const ack = await joined(back, room, { session: newSession, resume: ackA.resume });
    assert.equal(ack.place, ackA.place);
    assert.equal(ack.resume, ackA.resume);
    assert.equal(ack.seat, "resumed", "the acknowledgement says the seat was taken back");
    assert.deepEqual(ack.peers, [{ session: sessionB, role: "impolite" }]);
    assert.deepEqual(
      await arrived,
      { session: newSession, role: "polite", replaces: sessionA },
      "the other member hears it is the same seat, with a new page",
    );
    await assertRelays(back, b);
    await assertRelays(b, back);
  });

  await t.step(
    "resuming from a new connection retires the old one without a peer-away",
    async () => {
      await using clients = new ClientGroup(server.url);
      const { room, a, b, ackA } = await pair(clients);
      const retired = nextEvent<string>(a, "disconnect");
      const told = nextEvent(a, "seat-taken");
      const noAway = expectNoEvent(b, "peer-away", 400);
      const arrived = nextEvent(b, "peer-joined");
      const fresh = await clients.connect();
      await joined(fresh, room, { resume: ackA.resume });
      assert.deepEqual(await told, { reason: "another-tab" }, "the old page is told why");
      assert.equal(await retired, "io server disconnect");
      await arrived;
      await noAway;
      await assertRelays(b, fresh);
    },
  );

  await t.step("the server exits cleanly on SIGTERM with clients connected", async () => {
    await using clients = new ClientGroup(server.url);
    const { a } = await pair(clients);
    const dropped = nextEvent(a, "disconnect");
    await server.stop();
    assert.equal((await server.exited).code, 0);
    await dropped;
  });

  await t.step("a server started again on the same port serves fresh rooms", async () => {
    await using again = await startServer({ port: server.port });
    assert.equal(again.url, server.url);
    const before = new ClientGroup(again.url);
    const first = await pair(before);
    await assertRelays(first.a, first.b);
    await before.close();
    // Also after a crash, when no shutdown code ran.
    await again.kill();
    await using third = await startServer({ port: server.port });
    await using clients = new ClientGroup(third.url);
    const { a, b } = await pair(clients);
    await assertRelays(a, b);
  });
});

Deno.test("signaling: a server shutting down tells nobody that the other went away", async () => {
  // A restart or deploy: both members reconnect to the next server by themselves, and their call
  // goes on peer to peer meanwhile, so neither may be told the other closed their page.
  const server = await startServer();
  await using clients = new ClientGroup(server.url);
  const { a, b } = await pair(clients);
  const seen = [...[a, b].map(recordEvents)];
  const reasons = Promise.all(
    [a, b].map((socket) => new Promise<string>((resolve) => socket.once("disconnect", resolve))),
  );
  await server.stop();
  // "transport close", not "io server disconnect" (which tells a tab another tab took its seat).
  assert.deepEqual(await reasons, ["transport close", "transport close"]);
  assert.deepEqual(seen.flat().map((event) => event.event), []);
});
