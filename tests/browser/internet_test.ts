/**
 * Two people in two homes, each behind its own NAT router, calling through a Parley server on a
 * simulated internet (tests/helpers/internet.ts: network namespaces, iptables NATs, a real coturn
 * from deploy/turnserver.conf, nginx from deploy/nginx.conf). Each case reads the call's selected
 * candidate pair from getStats() on both sides and prints it with the time from the second Join
 * to both sides decoding the other's video:
 *
 *   deno test --allow-all tests/browser/internet_test.ts
 *
 * `UPDATE_SCREENSHOTS=1` also saves the /check page as docs/check.png. Needs root, iptables,
 * coturn and nginx; elsewhere it is skipped with the reason, except in CI (`CI=true`), where it
 * must run and so fails instead.
 */
import assert from "node:assert/strict";
import { BROWSER_TEST } from "../helpers/browser.ts";
import {
  describePair,
  internetUnavailable,
  SERVER_ADDRESS,
  STUN_ENV,
} from "../helpers/internet.ts";
import { isDirect, isRelayed, PARLEY, World } from "../helpers/internet_world.ts";
import { startNginx } from "../helpers/nginx.ts";
import { ROOT_DIR } from "../helpers/server.ts";
import { requirement } from "../helpers/requirements.ts";

const needs = requirement(
  "internet_test.ts",
  "the internet test",
  await internetUnavailable(),
);

Deno.test({
  name: "Two homes behind NAT routers call through a server on a simulated internet",
  ignore: needs.ignore,
  ...BROWSER_TEST,
  fn: async (t) => {
    needs.check();
    await using world = await World.create();
    const { internet, turn } = world;

    await t.step("routers that let STUN work, only STUN: a direct call on srflx", async () => {
      await internet.setNat("open");
      await using _parley = await world.parley(STUN_ENV);
      const call = await world.call(PARLEY);
      for (const [i, pair] of call.pairs.entries()) {
        const other = internet.homes[1 - i];
        assert.ok(isDirect(pair), `${call.names[i]}'s call is direct: ${describePair(pair)}`);
        assert.equal(
          pair.remote.address,
          other.publicAddress,
          `${call.names[i]} sends to ${other.name}'s router, found by STUN (${describePair(pair)})`,
        );
        assert.match(pair.remote.candidateType, /srflx|prflx/, describePair(pair));
      }
    });

    await t.step(
      "typical home routers (NAT + firewall), STUN and TURN: the call connects",
      async () => {
        await internet.setNat("firewall");
        await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
        const call = await world.call(PARLEY);
        for (const [i, pair] of call.pairs.entries()) {
          const other = internet.homes[1 - i];
          // Direct (through both routers) or relayed: either way, never a private address.
          assert.ok(
            isRelayed(pair) || pair.remote.address === other.publicAddress,
            `${call.names[i]}: ${describePair(pair)} to ${pair.remote.address}`,
          );
        }
      },
    );

    await t.step("symmetric routers with TURN: the call goes through the relay", async () => {
      await internet.setNat("symmetric");
      await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
      const call = await world.call(PARLEY);
      for (const [i, pair] of call.pairs.entries()) {
        assert.ok(isRelayed(pair), `${call.names[i]}'s pair uses the relay: ${describePair(pair)}`);
      }
    });

    await t.step(
      "HTTPS with a certificate made at test time: pages load, the call uses WSS",
      async () => {
        await internet.setNat("firewall");
        const tls = await world.certificate();
        await using parley = await world.parley({
          ...STUN_ENV,
          ...turn.env,
          TLS_CERT_FILE: tls.certFile,
          TLS_KEY_FILE: tls.keyFile,
        });
        assert.equal(parley.url, `https://${SERVER_ADDRESS}:8000`);
        const call = await world.call(parley.url);
        for (const [i, sockets] of call.webSockets.entries()) {
          assert.ok(
            sockets.length > 0 &&
              sockets.every((url) => url.startsWith(`wss://${SERVER_ADDRESS}:8000/`)),
            `${call.names[i]}'s signaling went over WSS: ${sockets.join(", ")}`,
          );
        }
      },
    );

    await t.step(
      "behind nginx (deploy/nginx.conf) terminating TLS: the call connects",
      async () => {
        await internet.setNat("firewall");
        const tls = await world.certificate();
        // As docs/deploy.md deploys it: Parley on 127.0.0.1:8000, only nginx reaches it.
        await using _parley = await world.parley({ ...STUN_ENV, ...turn.env }, {
          host: "127.0.0.1",
        });
        await using _nginx = await startNginx(internet, tls);
        const call = await world.call(`https://${SERVER_ADDRESS}`);
        for (const [i, sockets] of call.webSockets.entries()) {
          assert.ok(
            sockets.length > 0 &&
              sockets.every((url) => url.startsWith(`wss://${SERVER_ADDRESS}/`)),
            `${call.names[i]}'s signaling went through nginx over WSS: ${sockets.join(", ")}`,
          );
        }
      },
    );

    await t.step("/check in a home: candidate kinds and a relay round trip", async () => {
      await internet.setNat("symmetric");
      await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
      const check = await world.check(internet.homes[0], `${PARLEY}/check`, async (page) => {
        if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
          await page.screenshot({ path: `${ROOT_DIR}docs/check.png` });
          console.log("saved docs/check.png");
        }
      });
      assert.deepEqual(
        Object.fromEntries(check.rows.map((row) => [row.id, row.result])),
        { server: "ok", host: "ok", srflx: "ok", relay: "ok", roundtrip: "ok" },
        JSON.stringify(check, null, 2),
      );
      assert.match(check.summary, /All good/);
      console.log(`/check in home A: ${check.rows.map((r) => `${r.id} ${r.ms} ms`).join(", ")}`);
    });

    await t.step("/check says so when the relay refuses Parley's credentials", async () => {
      await using _parley = await world.parley({
        ...STUN_ENV,
        ...turn.env,
        TURN_SECRET: "not-the-relays-secret",
      });
      const check = await world.check(internet.homes[1], `${PARLEY}/check`);
      const relay = check.rows.find((row) => row.id === "relay")!;
      assert.equal(relay.result, "failed", JSON.stringify(check, null, 2));
      assert.match(relay.text, /refused Parley’s credentials/);
      assert.match(check.summary, /relay does not work/);
    });
  },
});
