/**
 * Hostile clients against the real server subprocess: each case does what an attacker would (never
 * read, flood, race, malform), bounded in count and time, prints its figures, and checks what the
 * people in honest calls beside it would notice. More in hostile_http_test.ts (requests) and
 * hostile_signaling_test.ts (TURN credentials, binary packets, room scanning).
 */
import assert from "node:assert/strict";
import {
  type Ack,
  type JoinAck,
  newRoomId,
  randomToken,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import {
  ClientGroup,
  closeClient,
  connectClient,
  emitWithAck,
  nextEvent,
  recordEvents,
  startServer,
} from "../helpers/server.ts";
import {
  candidate,
  connectionFlood,
  honestPair,
  joined,
  measureRelays,
  percentile,
  report,
  rssMb,
  sleep,
  timeToConnect,
} from "../helpers/hostile.ts";
import { rawSocketIo } from "../helpers/raw_socket_io.ts";

/** An honest relay slower than this was held up by the attack, however loaded the machine. */
const STALLED_MS = 1000;

Deno.test("hostile: a member that never reads cannot grow the server or slow other calls", async () => {
  // Rate limits off, so the send-queue bound alone is what holds.
  await using server = await startServer({
    env: {
      RATE_DESCRIPTIONS_PER_CONNECTION: "0",
      RATE_SIGNAL_BYTES_PER_CONNECTION: "0",
      SLOW_READER_SECONDS: "4",
    },
  });
  await using clients = new ClientGroup(server.url);
  const honest = await honestPair(clients);
  const room = newRoomId();
  const sender = await clients.connect();
  await joined(sender, room);
  const reader = await rawSocketIo(server.url);
  assert.match(reader.status, / 101 /);
  reader.keepAlive(500);
  await reader.send("40");
  // Socket.IO drops events for a namespace it has not finished connecting: wait for its "40{".
  assert.ok(await reader.readUntil("40{"), "the namespace connect was answered");
  await reader.send(`42["join",${JSON.stringify({ room, session: randomToken(9) })}]`);
  await nextEvent(sender, "peer-joined");
  let awayAt = NaN;
  sender.once("peer-away", () => awayAt = performance.now());

  const before = await rssMb(server);
  let peakRss = before;
  const sdp = "v=0\r\n" + "a=x\r\n".repeat(64 * 1024 / 5 - 2);
  const offer: SignalMessage = { description: { type: "offer", sdp } };
  let relayed = 0;
  let behind = 0;
  let firstBehindAt = 0;
  const attackMs = 8000;
  const attackStart = performance.now();
  const attack = (async () => {
    // 8 offers in flight at a time, as fast as the server answers.
    while (performance.now() - attackStart < attackMs) {
      const acks = await Promise.all(
        Array.from({ length: 8 }, () => emitWithAck<Ack>(sender, "signal", offer)),
      );
      for (const ack of acks) {
        if (ack.ok && Number.isNaN(awayAt)) relayed++;
        else if (!ack.ok && ack.error.code === "peer-behind") {
          behind++;
          firstBehindAt ||= performance.now();
        }
      }
    }
  })();
  const sampling = (async () => {
    while (performance.now() - attackStart < attackMs) {
      peakRss = Math.max(peakRss, await rssMb(server));
      await sleep(200);
    }
  })();
  const { latencies, refused } = await measureRelays(honest, attack);
  await sampling;
  reader.close();

  const p95 = percentile(latencies, 0.95);
  report("slow reader", {
    offersRelayedToReader: relayed,
    relayedMB: relayed * 64 / 1024,
    refusedPeerBehind: behind,
    rssBeforeMB: before,
    rssPeakMB: peakRss,
    growthMB: peakRss - before,
    readerDroppedAfterBehindMs: awayAt - firstBehindAt,
    honestRelays: latencies.length,
    honestP50ms: percentile(latencies, 0.5),
    honestP95ms: p95,
  });
  assert.ok(behind > 0, "the sender was told the reader is behind");
  assert.ok(peakRss - before < 300, `server grew by ${peakRss - before} MB`);
  assert.ok(Number.isFinite(awayAt), "the reader that stayed behind was disconnected");
  assert.equal(refused, 0);
  assert.ok(latencies.length > 20, `only ${latencies.length} honest relays`);
  // Not a speed measure (that is `deno task bench`, as a ratio): the pair was never stalled.
  assert.ok(p95 < STALLED_MS, `honest relay p95 ${p95} ms`);
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
});

Deno.test("hostile: a signal flood is rate-limited, the honest pair beside it is not", async () => {
  await using server = await startServer();
  await using clients = new ClientGroup(server.url);
  const honest = await honestPair(clients);
  const abuser = await honestPair(clients);
  const floodMs = 3000;
  const started = performance.now();
  let sent = 0;
  let accepted = 0;
  let limited = 0;
  let retryAfterMs = 0;
  const flood = (async () => {
    while (performance.now() - started < floodMs) {
      const acks = await Promise.all(
        Array.from({ length: 50 }, () => emitWithAck<Ack>(abuser.a, "signal", { candidate })),
      );
      sent += acks.length;
      for (const ack of acks) {
        if (ack.ok) accepted++;
        else if (ack.error.code === "rate-limited") {
          limited++;
          retryAfterMs = ack.error.retryAfterMs ?? 0;
        }
      }
    }
  })();
  const { latencies, refused } = await measureRelays(honest, flood);
  const elapsed = (performance.now() - started) / 1000;
  const p95 = percentile(latencies, 0.95);
  report("signal flood", {
    sent,
    perSecond: sent / elapsed,
    relayed: accepted,
    rateLimited: limited,
    retryAfterMs,
    honestRelays: latencies.length,
    honestRefused: refused,
    honestP95ms: p95,
  });
  assert.ok(limited > 0, "the flood was rate-limited");
  // A minute's allowance (600 candidates) plus what refills meanwhile, no more.
  assert.ok(accepted <= 600 + Math.ceil(elapsed * 10) + 5, `${accepted} relayed`);
  assert.ok(retryAfterMs > 0, "rate-limited says when to retry");
  assert.equal(refused, 0, "the honest pair was never limited");
  // Not a speed measure (that is `deno task bench`, as a ratio): the pair was never stalled.
  assert.ok(p95 < STALLED_MS, `honest relay p95 ${p95} ms`);
});

Deno.test("hostile: connection floods", async (t) => {
  await t.step("1,100 connections against ulimit -n 1024, then a new client gets in", async () => {
    await using server = await startServer({
      fileLimit: 1024,
      env: { MAX_CONNECTIONS_PER_ADDRESS: "0", RATE_CONNECTIONS_PER_ADDRESS: "0" },
    });
    const cap = Number(/limits: (\d+) connections/.exec(server.output())?.[1]);
    assert.ok(cap > 0 && cap < 1024, `the startup line says the cap: ${server.output()}`);
    const flood = await connectionFlood(server.url, 1100);
    const ms = await timeToConnect(server.url, 5000);
    report("1,100 connections", { cap, ...flood, newClientInMs: ms });
    assert.ok(flood.closedByServer >= 1100 - cap - 5, "connections over the cap closed at once");
    assert.ok(ms < 5000, "a new client got in within 5 s");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  await t.step("one address gets at most its share of connections", async () => {
    await using server = await startServer({ env: { MAX_CONNECTIONS_PER_ADDRESS: "20" } });
    const flood = await connectionFlood(server.url, 60);
    const ms = await timeToConnect(server.url, 5000);
    report("per address", { cap: 20, ...flood, newClientInMs: ms });
    assert.ok(flood.closedByServer >= 40, `${flood.closedByServer} of 60 closed at once`);
    assert.ok(ms < 5000);
  });

  await t.step(
    "a listener that stopped accepting is noticed: the process exits non-zero",
    async () => {
      // A cap above the file limit reproduces what Deno's node:http does without one.
      await using server = await startServer({
        fileLimit: 1024,
        env: {
          MAX_CONNECTIONS: "5000",
          MAX_CONNECTIONS_PER_ADDRESS: "0",
          RATE_CONNECTIONS_PER_ADDRESS: "0",
          SELF_CHECK_SECONDS: "1",
        },
      });
      const started = performance.now();
      await connectionFlood(server.url, 1100);
      const status = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
      report("self-check", {
        exitCode: status?.code ?? "still running",
        exitedAfterMs: performance.now() - started,
      });
      assert.ok(status && status.code !== 0, "the server exited non-zero");
      assert.match(server.output(), /stopped accepting connections/);
    },
  );
});

Deno.test("hostile: the join/leave race never leaves a ghost (50 times each)", async () => {
  await using server = await startServer({
    env: {
      TURN_URLS: "turn:127.0.0.1:3478",
      TURN_SECRET: "race-secret",
      RATE_JOINS_PER_CONNECTION: "0",
      RATE_JOINS_PER_ADDRESS: "0",
      RATE_TURN_CREDENTIALS_PER_ADDRESS: "0",
      RATE_NEW_ROOMS_PER_ADDRESS: "0",
      RATE_CONNECTIONS_PER_ADDRESS: "0",
    },
  });
  await using clients = new ClientGroup(server.url);
  const stay = await clients.connect();
  let ghosts = 0;
  const stories = new Map<string, number>();
  for (const ending of ["leave", "disconnect"] as const) {
    for (let i = 0; i < 50; i++) {
      const response = await fetch(`${server.url}/new`, { method: "POST", redirect: "manual" });
      await response.body?.cancel();
      const room = response.headers.get("location")!.slice(3);
      await joined(stay, room);
      const events = recordEvents(stay);
      const racer = await connectClient(server.url);
      const joinAck = emitWithAck<JoinAck>(racer, "join", { room, session: randomToken(9) });
      if (ending === "leave") {
        await emitWithAck(racer, "leave");
        await joinAck;
        await closeClient(racer);
      } else {
        joinAck.catch(() => {}); // the disconnect may come before its answer
        await closeClient(racer);
        // The server may still be reading what the racer sent: give it a moment, then wait for the
        // peer-away that must follow a peer-joined.
        await sleep(100);
        const told = () => events.map((e) => e.event);
        if (told().includes("peer-joined") && !told().includes("peer-away")) {
          await nextEvent(stay, "peer-away", 3000).catch(() => {});
        }
      }
      // A round trip after the racer is done: everything sent to `stay` before it has arrived.
      await emitWithAck(stay, "signal", {});
      stay.offAny();
      const story = events.map((e) => e.event).filter((e) => e.startsWith("peer-")).join(",");
      const key = `${ending}: ${story || "(nothing)"}`;
      stories.set(key, (stories.get(key) ?? 0) + 1);
      if (story.endsWith("peer-joined")) ghosts++;
      await emitWithAck(stay, "leave");
    }
  }
  report("join/leave race", {
    tries: 100,
    ghosts,
    stories: JSON.stringify(Object.fromEntries(stories)),
  });
  assert.equal(ghosts, 0);
});
