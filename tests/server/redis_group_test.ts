/**
 * A group call spread over two instances on one Redis, with raw Socket.IO clients: four people,
 * alternately on each instance, meet each other with the roles their join order gives; a signal
 * reaches only the one it names, whichever instance either is on; a fifth is told the room is
 * full; one who leaves is told to the three others.
 *
 * Real redis-server and real server subprocesses; on CI a missing redis-server fails the suite.
 *
 * @module
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
  type SignalMessage,
} from "../../protocol/signaling.ts";
import { missing, redisUnavailable, startInstances, startRedis } from "../helpers/redis.ts";
import { ClientGroup, emitWithAck, expectNoEvent, nextEvent } from "../helpers/server.ts";

const skip = missing(await redisUnavailable());

const offer: SignalMessage = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
};

interface Member {
  socket: Socket;
  session: string;
  joined: Joined;
}

Deno.test({ name: "redis: a group of four over two instances", ignore: skip }, async (t) => {
  await using redis = await startRedis();
  const [one, two] = await startInstances(redis, 2, { env: { MAX_ROOM_SIZE: "4" } });
  await using _one = one;
  await using _two = two;
  await using onOne = new ClientGroup(one.url);
  await using onTwo = new ClientGroup(two.url);
  const instances = [onOne, onTwo];

  // Minted by one instance, known to the other (the same ROOM_SECRET).
  const response = await fetch(`${one.url}/new?size=4`, { method: "POST", redirect: "manual" });
  await response.body?.cancel();
  const room = (response.headers.get("location") ?? "").replace(/^\/r\//, "");
  const members: Member[] = [];

  await t.step("four, alternately on each instance, meet each other by join order", async () => {
    for (let place = 0; place < 4; place++) {
      const socket = await instances[place % 2].connect();
      const session = randomToken(9);
      const told = members.map((m) => nextEvent<PeerInfo>(m.socket, "peer-joined", 5000));
      const ack = await emitWithAck<JoinAck>(socket, "join", { room, session });
      assert.equal(ack.ok, true, `join ${place}: ${JSON.stringify(ack)}`);
      const joined = ack as Joined;
      assert.equal(joined.place, place);
      assert.deepEqual(
        joined.peers,
        members.map((m) => ({ session: m.session, role: "polite" })),
        "the newcomer is polite toward each one there before",
      );
      for (const arrival of await Promise.all(told)) {
        assert.deepEqual(arrival, { session, role: "impolite" });
      }
      members.push({ socket, session, joined });
    }
  });

  await t.step("a signal reaches only the one it names, across instances", async () => {
    for (const [from, to] of [[0, 1], [1, 3], [3, 2], [2, 0]]) {
      const others = members.filter((_, i) => i !== to && i !== from);
      const silent = others.map((m) => expectNoEvent(m.socket, "signal"));
      const heard = nextEvent<IncomingSignal>(members[to].socket, "signal", 5000);
      const ack: Ack = await emitWithAck<Ack>(members[from].socket, "signal", {
        to: members[to].session,
        ...offer,
      });
      assert.deepEqual(ack, { ok: true });
      assert.deepEqual(await heard, { from: members[from].session, ...offer });
      await Promise.all(silent);
    }
  });

  await t.step("a fifth, on either instance, is told the room is full", async () => {
    for (const clients of instances) {
      const ack = await emitWithAck<JoinAck>(await clients.connect(), "join", {
        room,
        session: randomToken(9),
      });
      assert.equal(!ack.ok && ack.error.code, "room-full", JSON.stringify(ack));
    }
  });

  await t.step("one leaves: the three others are told, on both instances", async () => {
    const [leaver, ...rest] = members;
    const told = rest.map((m) => nextEvent<{ session: string }>(m.socket, "peer-left", 5000));
    assert.deepEqual(await emitWithAck<Ack>(leaver.socket, "leave"), { ok: true });
    for (const left of await Promise.all(told)) assert.equal(left.session, leaver.session);
  });
});
