/**
 * A seat held for a member who went away: kept for the grace period (a reload, a network cut),
 * then given up, with the other member told why; the real server against real Socket.IO clients.
 */
import assert from "node:assert/strict";
import { type JoinAck, newRoomId } from "../../protocol/signaling.ts";
import {
  ClientGroup,
  closeClient,
  expectNoEvent,
  nextEvent,
  startServer,
} from "../helpers/server.ts";
import { assertRelays, joined, pair, session } from "../helpers/signaling_calls.ts";

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
