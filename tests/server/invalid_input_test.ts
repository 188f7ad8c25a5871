/**
 * Everything a hostile or broken client can send over Socket.IO or a raw WebSocket is refused
 * with a clear error, while a call in progress on the same server keeps relaying.
 */
import assert from "node:assert/strict";
import { type Ack, type IncomingSignal, Limits, newRoomId } from "../../protocol/signaling.ts";
import {
  ClientGroup,
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
