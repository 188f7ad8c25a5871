/**
 * The real server (server.ts as a subprocess) against real Socket.IO clients and raw HTTP: what a
 * browser tab would see.
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type Ack,
  type Candidate,
  type IncomingSignal,
  type JoinAck,
  type Joined,
  Limits,
  newRoomId,
  randomToken,
  type RoomStatusAck,
  type SignalMessage,
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

const offer: SignalMessage = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
};
const candidate: Candidate = {
  candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

function session(): string {
  return randomToken(9);
}

function join(socket: Socket, room: string, extra: Record<string, unknown> = {}): Promise<JoinAck> {
  return emitWithAck<JoinAck>(socket, "join", { room, session: session(), ...extra });
}

async function joined(socket: Socket, room: string, extra: Record<string, unknown> = {}) {
  const ack = await join(socket, room, extra);
  assert.equal(ack.ok, true, `join failed: ${JSON.stringify(ack)}`);
  return ack as { ok: true } & Joined;
}

function signal(socket: Socket, payload: unknown): Promise<Ack> {
  return emitWithAck<Ack>(socket, "signal", payload);
}

function errorCode(ack: Ack): string | undefined {
  return ack.ok ? undefined : ack.error.code;
}

/** Two clients seated in a fresh room, the first having seen the second arrive. */
async function pair(clients: ClientGroup, room = newRoomId()) {
  const a = await clients.connect();
  const b = await clients.connect();
  const sessionA = session();
  const sessionB = session();
  const ackA = await joined(a, room, { session: sessionA });
  const arrived = nextEvent(a, "peer-joined");
  const ackB = await joined(b, room, { session: sessionB });
  await arrived;
  return { room, a, b, ackA, ackB, sessionA, sessionB };
}

/** What a received signal carries, without whom it is from. */
function content({ from: _, ...message }: IncomingSignal): SignalMessage {
  return message as SignalMessage;
}

/** Sends `payload` on `from` and checks it reaches `to` exactly as sent, saying who sent it. */
async function assertRelays(from: Socket, to: Socket, payload: SignalMessage = offer) {
  const received = nextEvent<IncomingSignal>(to, "signal");
  assert.deepEqual(await signal(from, payload), { ok: true });
  const heard = await received;
  assert.deepEqual(content(heard), payload);
  assert.match(heard.from, /^[A-Za-z0-9_-]{8,64}$/, "it says whom it is from");
}

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

Deno.test("signaling: a held seat expires after the grace period", async (t) => {
  // Short heartbeats too, so a silent connection is noticed within a second.
  await using server = await startServer({
    env: { SEAT_GRACE_SECONDS: "1", PING_INTERVAL_MS: "200", PING_TIMEOUT_MS: "200" },
  });

  await t.step("the peer hears peer-away, then peer-left with reason timeout", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b, ackA, sessionA } = await pair(clients);
    const away = nextEvent(b, "peer-away");
    const left = nextEvent(b, "peer-left", 5000);
    await closeClient(a);
    assert.deepEqual(await away, { session: sessionA, reason: "closed", graceMs: 1000 });
    assert.deepEqual(await left, { session: sessionA, reason: "timeout" });

    // The seat is free again: the old token no longer holds it, so this is a fresh seat.
    const late = await clients.connect();
    const arrived = nextEvent(b, "peer-joined");
    const ack = await joined(late, room, { resume: ackA.resume });
    assert.notEqual(ack.resume, ackA.resume);
    assert.equal(ack.seat, "expired", "the acknowledgement says the held seat expired");
    await arrived;
    await assertRelays(late, b);
  });

  await t.step("a member back within the grace period keeps the call", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b, ackA } = await pair(clients);
    const away = nextEvent(b, "peer-away");
    await closeClient(a);
    await away;
    const back = await clients.connect();
    const arrived = nextEvent(b, "peer-joined");
    const ack = await joined(back, room, { resume: ackA.resume });
    assert.equal(ack.resume, ackA.resume);
    await arrived;
    // Past the moment the seat would have expired, nobody is told the peer left.
    await expectNoEvent(b, "peer-left", 1500);
    await assertRelays(b, back);
  });

  await t.step("a member whose connection goes silent is reported lost, then gone", async () => {
    await using clients = new ClientGroup(server.url);
    const room = newRoomId();
    await using silent = await joinWithoutHeartbeat(server.url, room);
    assert.equal(silent.ack.ok, true);
    const b = await clients.connect();
    const away = nextEvent(b, "peer-away", 5000);
    const left = nextEvent(b, "peer-left", 5000);
    const [silentOne] = (await joined(b, room)).peers;
    assert.deepEqual(await away, { session: silentOne.session, reason: "lost", graceMs: 1000 });
    assert.deepEqual(await left, { session: silentOne.session, reason: "timeout" });
  });
});

/**
 * Joins `room` speaking Socket.IO by hand over a raw WebSocket, then never answers the server's
 * heartbeat: what a tab whose network vanished looks like from the server.
 */
async function joinWithoutHeartbeat(url: string, room: string) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`);
  const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
  const close = async () => {
    if (ws.readyState !== WebSocket.CLOSED) ws.close();
    await closed;
  };
  const inbox: string[] = [];
  let wake = () => {};
  ws.addEventListener("message", (event) => {
    inbox.push(String(event.data));
    wake();
  });
  /** The first packet starting with `prefix`, waiting for it up to 2 s. */
  const receive = async (prefix: string) => {
    const deadline = Date.now() + 2000;
    while (true) {
      const index = inbox.findIndex((packet) => packet.startsWith(prefix));
      if (index >= 0) return inbox.splice(index, 1)[0];
      if (Date.now() > deadline || ws.readyState > WebSocket.OPEN) {
        throw new Error(`no "${prefix}" packet; got ${JSON.stringify(inbox)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  try {
    await receive("0"); // Engine.IO open
    ws.send("40"); // Socket.IO connect to "/"
    await receive("40");
    ws.send(`420${JSON.stringify(["join", { room, session: session() }])}`);
    const ack = JSON.parse((await receive("430")).slice(3))[0] as JoinAck;
    return { ack, [Symbol.asyncDispose]: close };
  } catch (error) {
    await close();
    throw error;
  }
}

Deno.test("signaling: invalid input is refused and the server stays healthy", async (t) => {
  await using server = await startServer();
  await using callClients = new ClientGroup(server.url);
  // A call in progress the whole time: it must keep relaying after everything below.
  const call = await pair(callClients);
  const callLog = recordEvents(call.b);

  const expectError = async (ack: Promise<unknown>, code: string) => {
    const value = await ack as Ack;
    assert.equal(value.ok, false, `expected ${code}, got ${JSON.stringify(value)}`);
    assert.equal(errorCode(value), code);
    assert.equal(typeof (value as { error: { message: unknown } }).error.message, "string");
  };

  await t.step("join without an object payload", async () => {
    await using clients = new ClientGroup(server.url);
    const x = await clients.connect();
    for (const payload of ["hello", null, 42, [], true]) {
      await expectError(emitWithAck(x, "join", payload), "invalid-message");
    }
    await expectError(emitWithAck(x, "join"), "invalid-message");
  });

  await t.step("join with a malformed room id", async () => {
    await using clients = new ClientGroup(server.url);
    const x = await clients.connect();
    const rooms: unknown[] = [
      "a".repeat(15),
      "a".repeat(65),
      "abcdefghijklmnop/",
      "../../../etc/passwd",
      "abcdefghijklmnop q",
      "abcdefghijklmnop.",
      "",
      1234567890123456,
      null,
      { id: newRoomId() },
    ];
    for (const room of rooms) {
      await expectError(emitWithAck(x, "join", { room, session: session() }), "invalid-room");
    }
    // None of those seated the socket.
    await expectError(signal(x, offer), "not-joined");
  });

  await t.step("join without a usable session or resume token", async () => {
    await using clients = new ClientGroup(server.url);
    const x = await clients.connect();
    const room = newRoomId();
    for (
      const payload of [
        { room },
        { room, session: "short" },
        { room, session: 12345678 },
        { room, session: "s".repeat(65) },
        { room, session: session(), resume: 42 },
        { room, session: session(), resume: "bad token!" },
      ]
    ) {
      await expectError(emitWithAck(x, "join", payload), "invalid-message");
    }
  });

  await t.step(
    "a join whose offer is malformed is refused whole, and nobody hears of it",
    async () => {
      await using clients = new ClientGroup(server.url);
      const room = newRoomId();
      const a = await clients.connect();
      await joined(a, room);
      const aLog = recordEvents(a);
      const x = await clients.connect();
      for (
        const offer of [
          "v=0",
          { type: "answer", sdp: "v=0" },
          { type: "offer", sdp: "" },
          { type: "offer", sdp: "x".repeat(Limits.sdpBytes + 1) },
          { type: "offer" },
        ]
      ) {
        await expectError(
          emitWithAck(x, "join", { room, session: session(), offer }),
          "invalid-message",
        );
      }
      await expectNoEvent(a, "peer-joined", 200);
      assert.deepEqual(aLog, []);
      // The seat is still free.
      await joined(x, room);
    },
  );

  await t.step("signal before join", async () => {
    await using clients = new ClientGroup(server.url);
    const x = await clients.connect();
    await expectError(signal(x, offer), "not-joined");
    await expectError(signal(x, { candidate }), "not-joined");
    await expectError(emitWithAck(x, "leave"), "not-joined");
  });

  await t.step("malformed signals are refused and not relayed", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b } = await pair(clients);
    const bLog = recordEvents(b);
    const bad: unknown[] = [
      "offer",
      null,
      [],
      {},
      { description: offer.description, candidate },
      { description: { type: "pranswer", sdp: "v=0" } },
      { description: { type: "offer", sdp: 42 } },
      { description: { type: "offer", sdp: "" } },
      { description: { type: "offer" } },
      { description: "v=0" },
      { description: { type: "offer", sdp: "x".repeat(Limits.sdpBytes + 1) } },
      { candidate: 42 },
      { candidate: { candidate: 42 } },
      { candidate: { ...candidate, sdpMid: 0 } },
      { candidate: { ...candidate, sdpMLineIndex: "0" } },
      { candidate: { ...candidate, sdpMLineIndex: -1 } },
      { candidate: { ...candidate, sdpMLineIndex: 0.5 } },
      { candidate: { ...candidate, usernameFragment: {} } },
      { candidate: { ...candidate, candidate: "c".repeat(Limits.candidateBytes + 1) } },
      { sdp: "v=0" },
    ];
    for (const payload of bad) await expectError(signal(a, payload), "invalid-message");
    await expectError(emitWithAck(a, "signal"), "invalid-message");
    // The largest SDP the protocol allows still goes through.
    const largest = { description: { type: "offer", sdp: "x".repeat(Limits.sdpBytes) } } as const;
    await assertRelays(a, b, largest);
    assert.deepEqual(bLog.map((e) => content(e.args[0] as IncomingSignal)), [largest]);
  });

  await t.step("a second join on one connection is refused and keeps the first seat", async () => {
    await using clients = new ClientGroup(server.url);
    const { room, a, b } = await pair(clients);
    await expectError(join(a, newRoomId()), "already-joined");
    await expectError(join(a, room), "already-joined");
    await assertRelays(a, b);
  });

  await t.step("unknown events get no answer and change nothing", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b } = await pair(clients);
    const bLog = recordEvents(b);
    await assert.rejects(a.timeout(300).emitWithAck("peer-joined", { session: "evil-session" }));
    await assert.rejects(a.timeout(300).emitWithAck("__proto__", {}));
    a.emit("constructor");
    a.emit("disconnect-me");
    await assertRelays(a, b);
    assert.deepEqual(bLog.map((e) => e.event), ["signal"]);
  });

  await t.step("events without an acknowledgement callback are still handled", async () => {
    await using clients = new ClientGroup(server.url);
    const x = await clients.connect();
    const room = newRoomId();
    x.emit("signal", offer);
    x.emit("leave");
    x.emit("join", "not an object");
    x.emit("join", { room, session: session() });
    x.emit("signal", { bogus: true });
    x.emit("signal", offer);
    // The join without a callback seated the socket: a second one is refused.
    await expectError(join(x, room), "already-joined");
    const y = await clients.connect();
    const ackY = await joined(y, room);
    assert.equal(ackY.peers.length, 1);
    x.emit("leave", { extra: 1 });
    await nextEvent(y, "peer-left");
  });

  await t.step("garbage over a raw WebSocket does not take the server down", async () => {
    const junk: (string | Uint8Array)[] = [
      "",
      "garbage",
      "4",
      "42",
      "42[",
      '42["join"',
      '42["join",{"room":1}',
      "42{}",
      "42null",
      '42["__proto__",{}]',
      '421["join",',
      '4299999999999999999999["join",{}]',
      '451-["signal",{"_placeholder":true,"num":0}]',
      '451-["join",{"_placeholder":true,"num":99}]',
      "41",
      "4" + "9".repeat(5000),
      "4" + "x".repeat(200 * 1024),
      "0{}",
      "1",
      "6",
      "2probe",
      new Uint8Array([0, 1, 2, 255, 254]),
      new Uint8Array(200 * 1024),
    ];
    const wsUrl = `${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`;
    await Promise.all(junk.map((message) => sendRaw(wsUrl, message)));
    assert.equal(await Promise.race([server.exited.then(() => "exited"), "running"]), "running");
  });

  await t.step("afterwards a new room works and the call in progress still relays", async () => {
    await using clients = new ClientGroup(server.url);
    const { a, b } = await pair(clients);
    await assertRelays(a, b);
    await assertRelays(call.a, call.b);
    await assertRelays(call.b, call.a, { candidate });
    assert.deepEqual(callLog.map((e) => e.event), ["signal"]);
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  });
});

/**
 * Opens a raw Engine.IO WebSocket, joins the default namespace, sends `message`, and closes,
 * waiting for the socket to be fully closed either way.
 */
async function sendRaw(url: string, message: string | Uint8Array): Promise<void> {
  const ws = new WebSocket(url);
  const closed = new Promise<void>((resolve) => ws.addEventListener("close", () => resolve()));
  const opened = await new Promise<boolean>((resolve) => {
    ws.addEventListener("open", () => resolve(true));
    ws.addEventListener("error", () => resolve(false));
  });
  if (opened) {
    ws.send("40");
    ws.send(message);
    // Give the server time to choke on it, then hang up if it has not already.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 300))]);
    if (ws.readyState === WebSocket.OPEN) ws.close();
  }
  await closed;
}

Deno.test("HTTP: pages, new rooms and static files", async (t) => {
  await using server = await startServer();

  await t.step("the landing page is HTML under a strict content security policy", async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    // Scripts only from this server; WebAssembly may compile (noise suppression, blur).
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
    assert.match(await response.text(), /<html/i);
  });

  await t.step("POST /new redirects to a fresh room with an unguessable, tagged id", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/new`, { method: "POST", redirect: "manual" });
      await response.body?.cancel();
      assert.equal(response.status, 303);
      const match = /^\/r\/([A-Za-z0-9_-]{33})$/.exec(response.headers.get("location") ?? "");
      assert.ok(match, `location ${response.headers.get("location")}`);
      ids.add(match[1]);
    }
    assert.equal(ids.size, 5);
  });

  await t.step("a room page is HTML; a malformed room id is 404", async () => {
    const room = await fetch(`${server.url}/r/${newRoomId()}`);
    assert.equal(room.status, 200);
    assert.match(room.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await room.text(), /<html/i);
    for (const id of ["short", "a".repeat(65), "abcdefghijklmnop.q", "%2e%2e%2fdeno.json"]) {
      const response = await fetch(`${server.url}/r/${id}`);
      await response.body?.cancel();
      assert.equal(response.status, 404, `/r/${id}`);
    }
  });

  await t.step("paths outside static/ are 404 and never leak files", async () => {
    const attempts = [
      "/../deno.json",
      "/%2e%2e/deno.json",
      "/%2E%2E/deno.json",
      "/..%2fdeno.json",
      "/..%2fserver.ts",
      "/%2e%2e%2fserver.ts",
      "/..%5cserver.ts",
      "/static/../server.ts",
      "/r/../../deno.json",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/../../../../../../etc/passwd",
      "/app.js%00.html",
      "/deno.json",
      "/server.ts",
      "/index.html",
    ];
    for (const path of attempts) {
      const { status, body } = await rawGet(server.port, path);
      assert.equal(status, 404, `${path} answered ${status}`);
      assert.doesNotMatch(body, /"tasks"|listening on|root:x?:0:0/, `${path} leaked a file`);
    }
  });

  await t.step("the client bundle the room page loads is served as JavaScript", async () => {
    const page = await (await fetch(`${server.url}/r/${newRoomId()}`)).text();
    const src = /<script type="module" src="(\/app-[\w-]+\.js)"/.exec(page)?.[1];
    assert.ok(src, `no hashed bundle in the room page:\n${page}`);
    const response = await fetch(`${server.url}${src}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^(text|application)\/javascript/);
    await response.body?.cancel();
  });

  await t.step("other methods are refused", async () => {
    const response = await fetch(`${server.url}/`, { method: "PUT" });
    await response.body?.cancel();
    assert.equal(response.status, 405);
  });
});

/** A GET with `path` sent byte for byte (fetch would normalise `..` away before sending). */
async function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    let raw = "";
    const decoder = new TextDecoder();
    for await (const chunk of conn.readable) raw += decoder.decode(chunk, { stream: true });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
    return { status, body: raw.slice(raw.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // conn.readable closes the connection once fully read.
    }
  }
}

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
