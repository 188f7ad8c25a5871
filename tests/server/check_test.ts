/**
 * The connection check's `check` request against the real server (short-lived TURN credentials,
 * rate-limited per address), the join acknowledgement's `iceTransportPolicy`, HTTPS from
 * TLS_CERT_FILE/TLS_KEY_FILE.
 */
import assert from "node:assert/strict";
import {
  type CheckAck,
  type JoinAck,
  Limits,
  newRoomId,
  randomToken,
} from "../../protocol/signaling.ts";
import { makeCertificate } from "../../deploy/make_cert.ts";
import { ClientGroup, emitWithAck, ROOT_DIR, startServer } from "../helpers/server.ts";

const TURN = { TURN_URLS: "turn:203.0.113.10:3478?transport=udp", TURN_SECRET: "s3cret" };

Deno.test("check: the ICE servers with short-lived TURN credentials, rate-limited", async (t) => {
  await using server = await startServer({
    env: { ...TURN, TURN_TTL_SECONDS: "3600", ICE_TRANSPORT_POLICY: "relay" },
  });
  await using clients = new ClientGroup(server.url);

  await t.step(
    "answers with STUN/TURN, relay true, credentials that expire within a minute",
    async () => {
      const socket = await clients.connect();
      const ack = await emitWithAck<CheckAck>(socket, "check");
      assert.ok(ack.ok, JSON.stringify(ack));
      assert.equal(ack.relay, true);
      assert.equal(ack.iceTransportPolicy, "relay");
      const turn = ack.iceServers.find((s) => s.username);
      assert.ok(turn, "a TURN server with credentials");
      const expiry = Number(turn.username!.split(":")[0]);
      const left = expiry - Date.now() / 1000;
      assert.ok(left > 0 && left <= Limits.checkCredentialSeconds + 1, `expires in ${left} s`);
    },
  );

  await t.step(
    `more than ${Limits.checksPerMinute} a minute from one address are refused`,
    async () => {
      const socket = await clients.connect();
      const acks: CheckAck[] = [];
      // One was answered in the step before, from the same address.
      for (let i = 0; i < Limits.checksPerMinute; i++) {
        acks.push(
          await emitWithAck<CheckAck>(socket, "check"),
        );
      }
      assert.equal(acks.filter((ack) => ack.ok).length, Limits.checksPerMinute - 1);
      const refused = acks.at(-1)!;
      assert.equal(refused.ok ? "ok" : refused.error.code, "rate-limited");
    },
  );

  await t.step("the join acknowledgement carries ICE_TRANSPORT_POLICY", async () => {
    const socket = await clients.connect();
    const ack = await emitWithAck<JoinAck>(socket, "join", {
      room: newRoomId(),
      session: randomToken(9),
    });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal(ack.iceTransportPolicy, "relay");
  });
});

Deno.test("TLS_CERT_FILE and TLS_KEY_FILE: the same port serves HTTPS", async () => {
  const dir = `${ROOT_DIR}certs/test-server-${Deno.pid}`;
  try {
    const tls = await makeCertificate(dir, { ips: [] });
    await using server = await startServer({
      env: { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile },
    });
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(tls.certFile)] });
    try {
      const page = await fetch(`${server.url}/check`, { client });
      assert.equal(page.status, 200);
      const script = /<script[^>]*src="([^"]+)"/.exec(await page.text())?.[1];
      assert.ok(script, "the check page loads its script");
      for (const path of ["/", script]) {
        const response = await fetch(`${server.url}${path}`, { client });
        await response.body?.cancel();
        assert.equal(response.status, 200, path);
      }
      // Engine.IO answers over HTTPS too (and refuses long-polling: WebSocket only).
      const polling = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { client });
      assert.equal(polling.status, 400);
      assert.match(await polling.text(), /"code"/, "Socket.IO answers over HTTPS");
    } finally {
      client.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
