import assert from "node:assert/strict";
import { format, MAX_HOPS, parseAddress, TrustedProxies } from "../../server/client_address.ts";
import { loadConfig } from "../../server/config.ts";
import { prefixKey } from "../../server/rate_limit.ts";

Deno.test("parseAddress and format: IPv4, IPv6, mapped, and nothing else", () => {
  const round = (text: string) => {
    const bytes = parseAddress(text);
    return bytes && format(bytes);
  };
  assert.equal(round("192.0.2.7"), "192.0.2.7");
  assert.equal(round("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(round("2001:0DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(round("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
  assert.equal(round("::1"), "::1");
  assert.equal(round("::"), "::");
  for (
    const garbage of [
      "",
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4:80",
      "[::1]",
      "::1::2",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "fe80::1%eth0",
      "unknown",
      "<script>",
      "2001:db8::1.2.3.400",
    ]
  ) {
    assert.equal(parseAddress(garbage), null, garbage);
  }
});

Deno.test("prefixKey: IPv6 by /48, /56 or /64; IPv4 as is", () => {
  assert.equal(prefixKey("2001:db8:1:23ff:aaaa::1", 64), "2001:db8:1:23ff::/64");
  assert.equal(prefixKey("2001:db8:1:23ff:aaaa::1", 56), "2001:db8:1:2300::/56");
  assert.equal(prefixKey("2001:db8:1:23ff:aaaa::1", 48), "2001:db8:1::/48");
  assert.equal(prefixKey("198.51.100.4", 56), "198.51.100.4");
});

Deno.test("TRUST_PROXY", async (t) => {
  await t.step("default: nobody's X-Forwarded-For is believed", () => {
    const proxies = loadConfig(() => undefined).trustProxy;
    assert.equal(proxies.any, false);
    assert.equal(proxies.clientOf("127.0.0.1", "203.0.113.9"), "127.0.0.1");
  });

  await t.step("a list that does not parse is a startup error naming the entry", () => {
    for (const bad of ["10.0.0/8", "localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/8/8", "a,b"]) {
      assert.throws(
        () => loadConfig((name) => (name === "TRUST_PROXY" ? bad : undefined)),
        /TRUST_PROXY must list the proxies' addresses or CIDRs/,
        bad,
      );
    }
    const ok = loadConfig((name) =>
      name === "TRUST_PROXY" ? "127.0.0.1, 10.0.0.0/8 ::1,fd00::/8" : undefined
    );
    assert.equal(ok.trustProxy.describe(), "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8");
  });

  const proxies = TrustedProxies.parse("127.0.0.1,10.0.0.0/8,fd00::/8");

  await t.step("from a trusted proxy: the last hop that is not a proxy", () => {
    assert.equal(proxies.clientOf("127.0.0.1", "203.0.113.9"), "203.0.113.9");
    assert.equal(proxies.clientOf("::ffff:127.0.0.1", "203.0.113.9"), "203.0.113.9");
    // What the client wrote itself sits left of what the proxies appended: never read.
    assert.equal(proxies.clientOf("127.0.0.1", "1.1.1.1, 203.0.113.9"), "203.0.113.9");
    // Two proxies in a row (HAProxy in front of nginx).
    assert.equal(proxies.clientOf("127.0.0.1", "1.1.1.1, 203.0.113.9, 10.0.0.5"), "203.0.113.9");
    assert.equal(proxies.clientOf("127.0.0.1", ["1.1.1.1", "2001:DB8::7"]), "2001:db8::7");
  });

  await t.step("from anyone else: the header is ignored", () => {
    assert.equal(proxies.clientOf("198.51.100.4", "203.0.113.9"), "198.51.100.4");
    assert.equal(proxies.clientOf("2001:db8::4", "127.0.0.1"), "2001:db8::4");
  });

  await t.step("garbage stops the walk at the last trusted hop", () => {
    assert.equal(proxies.clientOf("127.0.0.1", "not-an-address"), "127.0.0.1");
    assert.equal(proxies.clientOf("127.0.0.1", "203.0.113.9, 10.0.0.5, ;drop"), "127.0.0.1");
    assert.equal(proxies.clientOf("127.0.0.1", "203.0.113.9,, 10.0.0.5"), "10.0.0.5");
    assert.equal(proxies.clientOf("127.0.0.1", ""), "127.0.0.1");
    assert.equal(proxies.clientOf("127.0.0.1", "x".repeat(20_000)), "127.0.0.1");
  });

  await t.step("1,000 hops: at most a few are read, the client is a proxy's last word", () => {
    const hops = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    assert.equal(
      proxies.clientOf("127.0.0.1", hops.join(", ")),
      `10.0.3.${(1000 - MAX_HOPS) & 255}`,
    );
    const forged = Array.from({ length: 1000 }, () => "203.0.113.77").join(",");
    assert.equal(proxies.clientOf("127.0.0.1", `${forged},198.51.100.1`), "198.51.100.1");
  });
});
