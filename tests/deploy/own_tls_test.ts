/**
 * docs/deploy.md, "Without nginx": Parley serving HTTPS itself with certbot's files where certbot
 * keeps them. certbot `--standalone` gets a certificate from a local ACME server
 * (tests/helpers/acme.ts); the guide's own `chgrp`/`chmod` lines let the service's group (and
 * nobody else without root) read the key; Parley serves the certificate from certbot's live/
 * symlinks; a renewal keeps the key readable by the group and reaches new connections without a
 * restart.
 */
import assert from "node:assert/strict";
import { ACME_NAME as NAME, acmeUnavailable, startAcme } from "../helpers/acme.ts";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR, startServer } from "../helpers/server.ts";

const needs = requirement(
  "tests/deploy/own_tls_test.ts",
  "the certbot files test",
  await acmeUnavailable(["setpriv"]),
);
const MARK = "<!-- tested: certbot-files-for-parley -->";
/** The service's group, by number: the test adds no group to the machine. */
const GROUP = 64_321;
const NOBODY = 65_534;

/** The guide's `chgrp` and `chmod` lines, for `letsencrypt` instead of /etc/letsencrypt. */
async function permissionLines(letsencrypt: string): Promise<string[]> {
  const guide = await Deno.readTextFile(`${ROOT_DIR}docs/deploy.md`);
  const block = /```sh\n([\s\S]*?)```/.exec(guide.slice(guide.indexOf(MARK)))?.[1];
  assert.ok(guide.includes(MARK) && block, `docs/deploy.md has no ${MARK} block`);
  const lines = block.split("\n").filter((line) => /^ch(grp|mod) /.test(line));
  assert.equal(lines.length, 4, block);
  return lines.map((line) =>
    line.replaceAll("/etc/letsencrypt", letsencrypt).replaceAll("your.name", NAME)
      .replace(/^chgrp parley /, `chgrp ${GROUP} `)
  );
}

Deno.test({
  name: "Parley serves certbot's certificate itself: the group reads it, a renewal is picked up",
  ignore: needs.ignore,
  fn: async (t) => {
    needs.check();
    const acme = await startAcme(`parley-own-${Deno.pid}`);
    const live = `${acme.letsencrypt}/live/${NAME}`;
    /** Whether a user with group `gid` (and no other) can read the live key. */
    const readsKey = (gid: number) =>
      acme.run(
        ...["setpriv", `--reuid=${NOBODY}`, `--regid=${gid}`, "--clear-groups"],
        ...["cat", `${live}/privkey.pem`],
      ).then(() => true, () => false);
    const serial = async (file: string) =>
      (await acme.run("openssl", "x509", "-noout", "-serial", "-in", file)).trim();
    try {
      await t.step(
        "certbot --standalone, then the guide's lines: the group alone reads the key",
        async () => {
          await acme.certbot(
            ...["certonly", "--standalone", "-d", NAME],
            ...["--agree-tos", "--register-unsafely-without-email"],
          );
          assert.equal(
            await readsKey(GROUP),
            false,
            "the key was readable before the guide's lines",
          );
          for (const line of await permissionLines(acme.letsencrypt)) {
            await acme.run("sh", "-c", line);
          }
          assert.equal(await readsKey(GROUP), true, "the service's group cannot read the key");
          assert.equal(await readsKey(NOBODY), false, "a user outside the group reads the key");
        },
      );

      const server = await startServer({
        namespace: acme.namespace,
        host: "127.0.0.1",
        port: 443,
        env: { TLS_CERT_FILE: `${live}/fullchain.pem`, TLS_KEY_FILE: `${live}/privkey.pem` },
      });
      try {
        await t.step("Parley serves the certificate from certbot's live/ folder", async () => {
          assert.equal(await acme.servedSerial(443), await serial(`${live}/cert.pem`));
          assert.match(server.output(), /certificate: parley\.example\.org, valid until/);
        });

        await t.step(
          "a renewal: still readable by the group, served without a restart",
          async () => {
            const before = await acme.servedSerial(443);
            await acme.certbot("renew", "--force-renewal", "--no-random-sleep-on-renew");
            const renewed = await serial(`${live}/cert.pem`);
            assert.notEqual(renewed, before);
            assert.equal(await readsKey(GROUP), true, "the renewed key lost the group's access");
            const deadline = Date.now() + 15_000;
            while ((await acme.servedSerial(443)) !== renewed) {
              if (Date.now() > deadline) throw new Error(`not picked up:\n${server.output()}`);
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
            assert.match(server.output(), /"tls\.reloaded"/);
          },
        );
      } finally {
        await server.stop();
      }
    } finally {
      await acme.close();
    }
  },
});
