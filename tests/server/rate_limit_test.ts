/** Token buckets and the signaling limits on simulated time (an injected clock, no sleeps). */
import assert from "node:assert/strict";
import { ClientLimits } from "../../server/client_limits.ts";
import { loadConfig } from "../../server/config.ts";
import { addressKey, KeyedBuckets, TokenBucket } from "../../server/rate_limit.ts";

function fakeClock(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t, advance: (ms: number) => void (clock.t += ms) };
  return clock;
}

Deno.test("TokenBucket", async (t) => {
  await t.step("a minute's allowance at once, then one token per 60/N seconds", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(60, clock);
    for (let i = 0; i < 60; i++) assert.equal(bucket.take(), true, `token ${i}`);
    assert.equal(bucket.take(), false);
    assert.equal(bucket.waitMs(), 1000);
    clock.advance(999);
    assert.equal(bucket.take(), false);
    clock.advance(1);
    assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
  });

  await t.step("refills up to its capacity, never beyond", () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, clock);
    for (let i = 0; i < 10; i++) bucket.take();
    clock.advance(10 * 60_000);
    assert.equal(bucket.full, true);
    for (let i = 0; i < 10; i++) assert.equal(bucket.take(), true);
    assert.equal(bucket.take(), false);
  });

  await t.step("a cost larger than what is left is refused and takes nothing", () => {
    const clock = fakeClock();
    const bytes = new TokenBucket(1000, clock);
    assert.equal(bytes.take(900), true);
    assert.equal(bytes.take(200), false);
    assert.equal(bytes.take(100), true);
    assert.equal(bytes.waitMs(600), 36_000);
  });

  await t.step("0 means unlimited", () => {
    const bucket = new TokenBucket(0, fakeClock());
    for (let i = 0; i < 10_000; i++) assert.equal(bucket.take(), true);
    assert.equal(bucket.waitMs(), 0);
  });
});

Deno.test("KeyedBuckets", async (t) => {
  await t.step("each key has its own allowance", () => {
    const buckets = new KeyedBuckets({ perMinute: 2, clock: fakeClock() });
    assert.equal(buckets.take("a"), true);
    assert.equal(buckets.take("a"), true);
    assert.equal(buckets.take("a"), false);
    assert.equal(buckets.take("b"), true);
    assert.ok(buckets.waitMs("a") > 0);
    assert.equal(buckets.waitMs("never-seen"), 0);
  });

  await t.step("memory is bounded: refilled keys go first, then the oldest", () => {
    const clock = fakeClock();
    const buckets = new KeyedBuckets({ perMinute: 1, clock, maxKeys: 100 });
    for (let i = 0; i < 100; i++) buckets.take(`k${i}`);
    clock.advance(60_000); // all refilled: forgetting them changes nothing
    buckets.take("new");
    assert.equal(buckets.size, 1);
    for (let i = 0; i < 250; i++) buckets.take(`x${i}`);
    assert.ok(buckets.size <= 100, `${buckets.size} keys`);
  });
});

Deno.test("addressKey: IPv4 as is, IPv6 by /64", () => {
  assert.equal(addressKey("192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:0db8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:db8::1"), "2001:db8::/64");
  assert.equal(addressKey("::1"), "::/64");
  assert.equal(addressKey(undefined), "unknown");
});

Deno.test("ClientLimits: generous for a real call, tight for a flood", async (t) => {
  const limits = loadConfig(() => undefined).limits;

  await t.step("a real negotiation, with an ICE restart, is never limited", () => {
    const clients = new ClientLimits(limits, fakeClock());
    assert.equal(clients.join("c1", "192.0.2.1"), 0);
    for (let round = 0; round < 3; round++) {
      assert.equal(clients.signal("c1", { kind: "description", bytes: 8000 }), 0);
      for (let i = 0; i < 40; i++) {
        assert.equal(clients.signal("c1", { kind: "candidate", bytes: 120 }), 0);
      }
    }
  });

  await t.step("a candidate flood stops at a minute's allowance, then trickles", () => {
    const clock = fakeClock();
    const clients = new ClientLimits(limits, clock);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      if (clients.signal("c1", { kind: "candidate", bytes: 100 }) === 0) accepted++;
    }
    assert.equal(accepted, 600);
    const wait = clients.signal("c1", { kind: "candidate", bytes: 100 });
    assert.equal(wait, 100);
    clock.advance(wait);
    assert.equal(clients.signal("c1", { kind: "candidate", bytes: 100 }), 0);
    // Another connection of the same address is not slowed.
    assert.equal(clients.signal("c2", { kind: "candidate", bytes: 100 }), 0);
  });

  await t.step("signal bytes are limited too: 64 KB offers stop at 2 MiB a minute", () => {
    const clients = new ClientLimits(limits, fakeClock());
    let accepted = 0;
    for (let i = 0; i < 60; i++) {
      if (clients.signal("c1", { kind: "description", bytes: 64 * 1024 }) === 0) accepted++;
    }
    assert.equal(accepted, 32);
  });

  await t.step("joins per address; TURN credentials per address, a handful a minute", () => {
    const clock = fakeClock();
    const clients = new ClientLimits(limits, clock);
    let joins = 0;
    for (let i = 0; i < 200; i++) if (clients.join(`c${i}`, "192.0.2.9") === 0) joins++;
    assert.equal(joins, 120);
    let credentials = 0;
    for (let i = 0; i < 50; i++) {
      if (clients.turnWait("192.0.2.9") === 0) {
        clients.takeTurn("192.0.2.9");
        credentials++;
      }
    }
    assert.equal(credentials, 10);
    assert.equal(clients.turnWait("192.0.2.10"), 0);
    clock.advance(6000);
    assert.equal(clients.turnWait("192.0.2.9"), 0);
  });

  await t.step("new rooms per address", () => {
    const clients = new ClientLimits(limits, fakeClock());
    let opened = 0;
    for (let i = 0; i < 50; i++) if (clients.newRoom("192.0.2.1") === 0) opened++;
    assert.equal(opened, 20);
  });
});
