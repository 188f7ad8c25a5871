import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { loadConfig } from "../../server/config.ts";
import { iceServersFor } from "../../server/ice_servers.ts";
import { TrustedProxies } from "../../server/client_address.ts";

function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

/** The defaults of the limits against hostile clients (docs/security.md, "Limits"). */
const HOSTILE_DEFAULTS = {
  allowedOrigins: [],
  roomSecret: null,
  mintedRoomsOnly: false,
  limits: {
    maxConnections: null,
    connectionsPerAddress: 100,
    sendQueueBytes: 1024 * 1024,
    slowReaderMs: 10_000,
    selfCheckMs: 10_000,
    connectionsPerAddressPerMinute: 300,
    joinsPerConnection: 10,
    joinsPerAddress: 120,
    descriptionsPerConnection: 60,
    candidatesPerConnection: 600,
    signalBytesPerConnection: 2 * 1024 * 1024,
    turnCredentialsPerAddress: 10,
    newRoomsPerAddress: 20,
  },
  trustProxy: TrustedProxies.none(),
};

Deno.test("loadConfig", async (t) => {
  await t.step("defaults: port 8000 on all interfaces, no ICE servers, no TURN", () => {
    assert.deepEqual(loadConfig(envOf({})), {
      port: 8000,
      host: "0.0.0.0",
      iceServers: [],
      turn: null,
      seatGraceMs: 30_000,
      maxRoomSize: 4,
      pingIntervalMs: 2000,
      pingTimeoutMs: 2500,
      dev: false,
      ...HOSTILE_DEFAULTS,
      iceTransportPolicy: "all",
      tls: null,
      redisUrl: null,
      shutdownGraceMs: 10_000,
      metrics: { host: "127.0.0.1", port: 9464 },
    });
  });

  await t.step("REDIS_URL must be a redis:// or rediss:// URL", () => {
    const url = "redis://127.0.0.1:6379";
    assert.equal(loadConfig(envOf({ REDIS_URL: url })).redisUrl, url);
    assert.throws(() => loadConfig(envOf({ REDIS_URL: "127.0.0.1:6379" })), /REDIS_URL/);
    assert.throws(
      () => loadConfig(envOf({ SHUTDOWN_GRACE_SECONDS: "-1" })),
      /SHUTDOWN_GRACE_SECONDS/,
    );
  });

  await t.step("PARLEY_DEV=1 is development mode; anything but 0 or 1 is refused", () => {
    assert.equal(loadConfig(envOf({ PARLEY_DEV: "1" })).dev, true);
    assert.equal(loadConfig(envOf({ PARLEY_DEV: "0" })).dev, false);
    assert.throws(() => loadConfig(envOf({ PARLEY_DEV: "yes" })), /PARLEY_DEV/);
  });

  await t.step("empty variables count as unset", () => {
    const config = loadConfig(envOf({ PORT: "", HOST: "", ICE_SERVERS: "", TURN_URLS: "" }));
    assert.equal(config.port, 8000);
    assert.equal(config.host, "0.0.0.0");
    assert.deepEqual(config.iceServers, []);
    assert.equal(config.turn, null);
  });

  await t.step("reads PORT (0 for any free port), HOST and the seat grace", () => {
    const config = loadConfig(envOf({ PORT: "0", HOST: "127.0.0.1", SEAT_GRACE_SECONDS: "5" }));
    assert.equal(config.port, 0);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.seatGraceMs, 5000);
    assert.equal(loadConfig(envOf({ PORT: "65535" })).port, 65535);
  });

  await t.step("a bad PORT is an error naming PORT", () => {
    for (const port of ["abc", "-1", "65536", "80.5", "8000x", "1e3x"]) {
      assert.throws(() => loadConfig(envOf({ PORT: port })), /PORT/, port);
    }
  });

  await t.step("other numbers are range-checked too", () => {
    assert.throws(() => loadConfig(envOf({ SEAT_GRACE_SECONDS: "-5" })), /SEAT_GRACE_SECONDS/);
    assert.throws(() => loadConfig(envOf({ PING_INTERVAL_MS: "10" })), /PING_INTERVAL_MS/);
    // A group's size is one digit of its id; one seat is no call.
    for (const size of ["1", "10", "four"]) {
      assert.throws(() => loadConfig(envOf({ MAX_ROOM_SIZE: size })), /MAX_ROOM_SIZE.*2 to 9/);
    }
    assert.equal(loadConfig(envOf({ MAX_ROOM_SIZE: "2" })).maxRoomSize, 2);
  });

  await t.step("ICE_SERVERS is a JSON array of { urls } objects", () => {
    const servers = [
      { urls: "stun:stun.example.org:3478" },
      { urls: ["turn:turn.example.org:3478"], username: "u", credential: "c" },
    ];
    const config = loadConfig(envOf({ ICE_SERVERS: JSON.stringify(servers) }));
    assert.deepEqual(config.iceServers, servers);
  });

  await t.step("malformed ICE_SERVERS is an error naming ICE_SERVERS", () => {
    const bad = [
      "stun:stun.example.org",
      "[{urls: 'stun:x'}]",
      '{"urls":"stun:x"}',
      "[1]",
      "[null]",
      '[{"url":"stun:x"}]',
      '[{"urls":5}]',
      '[{"urls":["stun:x",5]}]',
    ];
    for (const value of bad) {
      assert.throws(() => loadConfig(envOf({ ICE_SERVERS: value })), /ICE_SERVERS/, value);
    }
  });

  await t.step("TURN_URLS and TURN_SECRET together enable TURN", () => {
    const config = loadConfig(envOf({
      TURN_URLS: " turn:127.0.0.1:3478?transport=udp , turn:127.0.0.1:3478?transport=tcp,",
      TURN_SECRET: "s3cret",
    }));
    assert.deepEqual(config.turn, {
      urls: ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"],
      secret: "s3cret",
      ttlSeconds: 600,
    });
    const short = loadConfig(
      envOf({ TURN_URLS: "turn:x", TURN_SECRET: "s", TURN_TTL_SECONDS: "60" }),
    );
    assert.equal(short.turn?.ttlSeconds, 60);
  });

  await t.step("limits against hostile clients are read and range-checked", () => {
    const config = loadConfig(envOf({
      ALLOWED_ORIGINS: "https://embed.example.org, http://localhost:3000",
      ROOM_SECRET: "r00m",
      MINTED_ROOMS_ONLY: "true",
      MAX_CONNECTIONS: "500",
      MAX_CONNECTIONS_PER_ADDRESS: "0",
      RATE_JOINS_PER_ADDRESS: "0",
      RATE_TURN_CREDENTIALS_PER_ADDRESS: "3",
    }));
    assert.deepEqual(config.allowedOrigins, ["https://embed.example.org", "http://localhost:3000"]);
    assert.equal(config.roomSecret, "r00m");
    assert.equal(config.mintedRoomsOnly, true);
    assert.equal(config.limits.maxConnections, 500);
    assert.equal(config.limits.connectionsPerAddress, 0);
    assert.equal(config.limits.joinsPerAddress, 0);
    assert.equal(config.limits.turnCredentialsPerAddress, 3);
    assert.throws(() => loadConfig(envOf({ ALLOWED_ORIGINS: "example.org" })), /ALLOWED_ORIGINS/);
    assert.throws(
      () => loadConfig(envOf({ ALLOWED_ORIGINS: "https://example.org/app" })),
      /ALLOWED_ORIGINS/,
    );
    assert.throws(() => loadConfig(envOf({ MINTED_ROOMS_ONLY: "yes" })), /MINTED_ROOMS_ONLY/);
    assert.throws(() => loadConfig(envOf({ MAX_CONNECTIONS: "0" })), /MAX_CONNECTIONS/);
    assert.throws(() => loadConfig(envOf({ SEND_QUEUE_BYTES: "1000" })), /SEND_QUEUE_BYTES/);
    assert.throws(() => loadConfig(envOf({ RATE_JOINS_PER_CONNECTION: "-1" })), /RATE_JOINS/);
  });

  await t.step("one of TURN_URLS and TURN_SECRET without the other is an error", () => {
    assert.throws(() => loadConfig(envOf({ TURN_URLS: "turn:x" })), /TURN_SECRET/);
    assert.throws(() => loadConfig(envOf({ TURN_SECRET: "s" })), /TURN_URLS/);
    assert.throws(
      () => loadConfig(envOf({ TURN_URLS: "turn:x", TURN_SECRET: "s", TURN_TTL_SECONDS: "5" })),
      /TURN_TTL_SECONDS/,
    );
  });
});

Deno.test("iceServersFor", async (t) => {
  const stun = { urls: "stun:stun.example.org:3478" };

  await t.step("without TURN, hands out the configured servers as they are", async () => {
    assert.deepEqual(await iceServersFor({ iceServers: [], turn: null }, "client-1"), []);
    assert.deepEqual(await iceServersFor({ iceServers: [stun], turn: null }, "client-1"), [stun]);
  });

  await t.step("with TURN, adds REST credentials coturn's use-auth-secret accepts", async () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0, 750);
    const turn = { urls: ["turn:127.0.0.1:3478"], secret: "s3cret", ttlSeconds: 600 };
    const servers = await iceServersFor({ iceServers: [stun], turn }, "client-1", now);
    assert.equal(servers.length, 2);
    assert.deepEqual(servers[0], stun);
    const expiry = Math.floor(now / 1000) + 600;
    const username = `${expiry}:client-1`;
    assert.deepEqual(servers[1], {
      urls: ["turn:127.0.0.1:3478"],
      username,
      credential: createHmac("sha1", "s3cret").update(username).digest("base64"),
    });
  });

  await t.step("credentials differ per client and per secret", async () => {
    const now = Date.now();
    const turn = { urls: ["turn:x"], secret: "one", ttlSeconds: 600 };
    const [a] = await iceServersFor({ iceServers: [], turn }, "a", now);
    const [b] = await iceServersFor({ iceServers: [], turn }, "b", now);
    const [c] = await iceServersFor({ iceServers: [], turn: { ...turn, secret: "two" } }, "a", now);
    assert.notEqual(a.credential, b.credential);
    assert.notEqual(a.credential, c.credential);
    assert.equal(a.username, c.username);
  });

  await t.step("TLS_CERT_FILE and TLS_KEY_FILE together turn on HTTPS", () => {
    const config = loadConfig(
      envOf({ TLS_CERT_FILE: "certs/cert.pem", TLS_KEY_FILE: "certs/key.pem" }),
    );
    assert.deepEqual(config.tls, { certFile: "certs/cert.pem", keyFile: "certs/key.pem" });
    assert.throws(
      () => loadConfig(envOf({ TLS_CERT_FILE: "c.pem" })),
      /TLS_CERT_FILE and TLS_KEY_FILE/,
    );
    assert.throws(
      () => loadConfig(envOf({ TLS_KEY_FILE: "k.pem" })),
      /TLS_CERT_FILE and TLS_KEY_FILE/,
    );
  });

  await t.step("ICE_TRANSPORT_POLICY is all or relay, and relay needs a relay", () => {
    const turn = { TURN_URLS: "turn:203.0.113.10:3478", TURN_SECRET: "s" };
    assert.equal(loadConfig(envOf({ ICE_TRANSPORT_POLICY: "all" })).iceTransportPolicy, "all");
    assert.equal(
      loadConfig(envOf({ ...turn, ICE_TRANSPORT_POLICY: "relay" })).iceTransportPolicy,
      "relay",
    );
    const inIceServers = JSON.stringify([{
      urls: "turns:turn.example.org",
      username: "u",
      credential: "c",
    }]);
    assert.equal(
      loadConfig(envOf({ ICE_SERVERS: inIceServers, ICE_TRANSPORT_POLICY: "relay" }))
        .iceTransportPolicy,
      "relay",
    );
    assert.throws(() => loadConfig(envOf({ ICE_TRANSPORT_POLICY: "relay" })), /needs a relay/);
    assert.throws(
      () => loadConfig(envOf({ ...turn, ICE_TRANSPORT_POLICY: "Relay" })),
      /ICE_TRANSPORT_POLICY must be "all" or "relay"/,
    );
  });
});
