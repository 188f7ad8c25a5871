/**
 * Hostile clients of signaling against the real server subprocess: TURN credentials (only for
 * minted rooms, a few per address, one TURN user per address), half-sent binary attachments, and
 * room scanning by leaving and joining the namespace again. Each prints its figures.
 */
import assert from "node:assert/strict";
import type { JoinAck, Joined, RoomStatusAck } from "../../protocol/signaling.ts";
import { newRoomId } from "../../protocol/signaling.ts";
import { ClientGroup, emitWithAck, nextEvent, startServer } from "../helpers/server.ts";
import {
  attachmentFlood,
  candidate,
  honestPair,
  join,
  measureRelays,
  percentile,
  report,
  rssMb,
  sleep,
} from "../helpers/hostile.ts";
import { rawSocketIo } from "../helpers/raw_socket_io.ts";

Deno.test("hostile: TURN credentials only for members of minted rooms, a few per address", async (t) => {
  const env = {
    TURN_URLS: "turn:127.0.0.1:3478",
    TURN_SECRET: "hostile-test-secret",
    TURN_TTL_SECONDS: "10",
  };
  const server = await startServer({ env });
  const clients = new ClientGroup(server.url);
  const hasTurn = (ack: JoinAck) =>
    ack.ok && ack.iceServers.some((s) => typeof s.username === "string");
  const minted: string[] = [];

  await t.step("made-up room ids get no TURN credential", async () => {
    const socket = await clients.connect();
    let credentials = 0;
    let joins = 0;
    for (let i = 0; i < 5; i++) {
      const ack = await join(socket, newRoomId());
      joins++;
      if (hasTurn(ack)) credentials++;
      await emitWithAck(socket, "leave");
    }
    report("made-up rooms", { joins, credentials });
    assert.equal(credentials, 0);
  });

  await t.step("POST /new opens at most its per-minute allowance", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${server.url}/new`, { method: "POST", redirect: "manual" });
      await response.body?.cancel();
      statuses.push(response.status);
      if (response.status === 303) {
        minted.push(response.headers.get("location")!.slice(3));
      }
    }
    const limited = statuses.filter((s) => s === 429).length;
    report("new rooms", { tried: 40, opened: minted.length, refused429: limited });
    assert.equal(minted.length, 20);
    assert.equal(limited, 20);
  });

  await t.step("a credential flood from one address yields a handful", async () => {
    let tried = 0;
    let credentials = 0;
    let limited = 0;
    const users = new Set<string>();
    const sockets = await Promise.all(Array.from({ length: 20 }, () => clients.connect()));
    await Promise.all(sockets.map(async (socket, i) => {
      for (let n = 0; n < 10; n++) {
        const ack = await join(socket, minted[(i + n) % minted.length]);
        tried++;
        if (hasTurn(ack)) {
          credentials++;
          users.add((ack as Joined).iceServers.at(-1)!.username!.split(":")[1]);
          await emitWithAck(socket, "leave");
        } else if (!ack.ok && ack.error.code === "rate-limited") limited++;
        else if (ack.ok) await emitWithAck(socket, "leave");
      }
    }));
    report("TURN flood", {
      joinsTried: tried,
      credentials,
      rateLimited: limited,
      turnUsers: users.size,
    });
    assert.ok(credentials >= 1 && credentials <= 10, `${credentials} credentials`);
    // Every credential of one address names the same TURN user: coturn's user-quota bounds them
    // together (tests/server/relay_quota_test.ts shows it against coturn).
    assert.equal(users.size, 1);
  });

  await t.step(
    "the minted rooms survive a restart; calls in progress get fresh credentials",
    async () => {
      await server.stop();
      await using again = await startServer({
        env: { ...env, RATE_TURN_CREDENTIALS_PER_ADDRESS: "0" },
        port: server.port,
      });
      await using fresh = new ClientGroup(again.url);
      const socket = await fresh.connect();
      const ack = await join(socket, minted[0]);
      assert.ok(hasTurn(ack), "a room minted before the restart still gets TURN");
      const first = (ack as Joined).iceServers.at(-1)!;
      const started = performance.now();
      const renewed = await nextEvent<{ iceServers: { username?: string }[] }>(
        socket,
        "ice-servers",
        9000,
      );
      const next = renewed.iceServers.at(-1)!;
      report("renewal", { ttlSeconds: 10, renewedAfterMs: performance.now() - started });
      assert.ok(Number(next.username!.split(":")[0]) > Number(first.username!.split(":")[0]));
    },
  );
  await clients.close();
  await server.stop();
});

// One of the slower server tests (10–40 s), and why: the bound is the issue's own, 1,000 such
// connections under 100 MB; a regression holding 1.3 MB each (what the attack got) would show in
// 100 connections as 130 MB, within the noise of a server's memory on a busy machine.
Deno.test("hostile: 1,000 half-sent binary attachments from 10 addresses do not grow the server", async () => {
  await using server = await startServer();
  await using clients = new ClientGroup(server.url);
  const honest = await honestPair(clients);
  const before = await rssMb(server);
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await rssMb(server));
      await sleep(250);
    }
  })();
  const addresses = Array.from({ length: 10 }, (_, i) => `127.0.0.${i + 2}`);
  const flood = attachmentFlood(server.url, {
    count: 1000,
    addresses,
    holdMs: 6000,
    bytes: 100 * 1024,
  });
  const { latencies, refused } = await measureRelays(honest, flood);
  const result = await flood;
  sampling = false;
  await sampler;
  report("binary attachments", {
    ...result,
    attachmentKB: 100,
    rssBeforeMB: before,
    rssPeakMB: peak,
    growthMB: peak - before,
    honestRelays: latencies.length,
    honestP95ms: percentile(latencies, 0.95),
  });
  assert.ok(result.connected >= 990, `${result.connected} of 1,000 connected`);
  assert.equal(
    result.closedByServer,
    result.connected,
    "every binary packet closed its connection",
  );
  assert.ok(peak - before < 100, `the server grew by ${(peak - before).toFixed(0)} MB`);
  assert.equal(refused, 0);
  assert.ok(latencies.length > 10, `only ${latencies.length} honest relays`);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

Deno.test("hostile: leaving and joining the namespace again keeps the connection's limits", async () => {
  await using server = await startServer();
  const client = await rawSocketIo(server.url);
  client.keepAlive(500);
  let answered = 0;
  let limited = 0;
  let unknown = 0;
  let namespaceRefused = 0;
  let id = 0;
  try {
    // What the scanner did: a few questions, leave the namespace, join it again, and so on.
    for (let round = 0; round < 40; round++) {
      await client.send("40");
      const connect = await client.collectUntil(/4[04]\{/, 3000);
      if (connect === null) break;
      if (/44\{"message"/.test(connect)) {
        namespaceRefused++;
        continue;
      }
      const first = id;
      for (let i = 0; i < 10; i++) {
        await client.send(`42${id++}["room-status",${JSON.stringify({ room: newRoomId() })}]`);
      }
      const answers = await client.collectUntil(`43${id - 1}[`, 3000);
      assert.ok(answers, `the answers to questions ${first}-${id - 1} came`);
      answered += 10;
      limited += answers.split('"rate-limited"').length - 1;
      unknown += answers.split('"unknown-room"').length - 1;
      await client.send("41");
    }
  } finally {
    client.close();
  }
  report("namespace churn", {
    asked: id,
    answered,
    unknownRoom: unknown,
    rateLimited: limited,
    namespaceRefused,
  });
  // 60 questions a minute per connection (and a second's refill), whatever the churn.
  assert.ok(unknown <= 62, `${unknown} questions answered`);
  assert.ok(limited > 0, "the questions over the limit were refused");
  assert.ok(namespaceRefused > 0, "joining the namespace over and over is refused");
  assert.equal(unknown + limited, answered);
});

Deno.test("hostile: room-status finds no room under a made-up name", async () => {
  await using server = await startServer();
  await using clients = new ClientGroup(server.url);
  // People in a room whose name they made up.
  const room = "our-family-call-2024";
  const { a, b } = await honestPair(clients, room);
  const scanner = await clients.connect();
  const guesses = ["our-family-call-2023", room, "our-family-call-2025"];
  const acks: RoomStatusAck[] = [];
  for (const guess of guesses) {
    acks.push(await emitWithAck<RoomStatusAck>(scanner, "room-status", { room: guess }));
  }
  report("room scan", { guesses: guesses.length, found: acks.filter((ack) => ack.ok).length });
  for (const ack of acks) assert.equal(!ack.ok && ack.error.code, "unknown-room");
  // The people in it noticed nothing: their signals still flow.
  const arrived = nextEvent(b, "signal");
  assert.deepEqual(await emitWithAck(a, "signal", { candidate }), { ok: true });
  await arrived;
});
