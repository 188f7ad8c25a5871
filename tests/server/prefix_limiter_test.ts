import assert from "node:assert/strict";
import { PrefixLimiter } from "../../server/prefix_limiter.ts";

function limiter(options: { perGroup?: number; maxKeys?: number } = {}) {
  const clock = { now: 0 };
  const limits = new PrefixLimiter({
    limit: 2,
    windowMs: 60_000,
    perGroup: options.perGroup ?? 4,
    maxKeys: options.maxKeys ?? 100,
    now: () => clock.now,
  });
  return { limits, clock };
}

Deno.test("PrefixLimiter: a fixed window per address, IPv6 by /64", () => {
  const { limits, clock } = limiter();
  assert.deepEqual(
    [limits.allow("192.0.2.1"), limits.allow("192.0.2.1"), limits.allow("192.0.2.1")],
    [true, true, false],
  );
  assert.equal(limits.allow("192.0.2.2"), true, "another address has its own window");
  assert.equal(limits.allow("2001:db8:1:1::1"), true);
  assert.equal(limits.allow("2001:db8:1:1::2"), true);
  assert.equal(limits.allow("2001:db8:1:1:ffff::3"), false, "the same /64");
  clock.now += 60_000;
  assert.equal(limits.allow("192.0.2.1"), true, "a new window a minute later");
});

Deno.test("PrefixLimiter: one network's many /64s share beyond their few", () => {
  const { limits } = limiter();
  let allowed = 0;
  // Every /64 of a /56, twice each.
  for (let i = 0; i < 256; i++) {
    const address = `2001:db8:7:${(0xab00 + i).toString(16)}::1`;
    if (limits.allow(address)) allowed++;
    if (limits.allow(address)) allowed++;
  }
  // Four /64s with their own windows, then one shared by the rest of the network.
  assert.equal(allowed, 4 * 2 + 2);
  assert.ok(limits.size <= 5, `${limits.size} keys held`);
  assert.equal(limits.allow("2001:db8:8::1"), true, "another network is not affected");
});

Deno.test("PrefixLimiter: a full table makes room from its largest network", () => {
  const { limits } = limiter({ perGroup: 40, maxKeys: 50 });
  for (let i = 0; i < 10; i++) limits.allow(`198.51.100.${i}`);
  for (let i = 0; i < 40; i++) limits.allow(`2001:db8:9:${i.toString(16)}::1`);
  assert.equal(limits.size, 50);
  // A newcomer gets its turn; the entry that goes is the crowded network's oldest.
  assert.equal(limits.allow("203.0.113.7"), true);
  assert.equal(limits.size, 50);
  for (let i = 0; i < 10; i++) {
    limits.allow(`198.51.100.${i}`);
    assert.equal(limits.allow(`198.51.100.${i}`), false, "the others kept their windows");
  }
});
