/**
 * Certificates where certbot puts them: the pair is checked at start (a bad one is one line naming
 * the variable and the path), and a server whose certificate lives in /tmp, in certbot's layout
 * (live/ symlinks into archive/), picks up a renewal mid-call: the call's connections go on, a new
 * connection gets the new certificate, and a bad renewal keeps the old one and says why.
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import { makeCertificate } from "../../deploy/make_cert.ts";
import {
  type IncomingSignal,
  newRoomId,
  randomToken,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import { readCertificates } from "../../server/certificates.ts";
import type { TlsFiles } from "../../server/config.ts";
import { ClientGroup, emitWithAck, nextEvent, startServer } from "../helpers/server.ts";

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "parley-certs-" });
}

Deno.test("readCertificates: a good pair, and one line for each bad one", async (t) => {
  const dir = await tempDir();
  try {
    const a = await makeCertificate(`${dir}/a`, { ips: [], names: ["a.parley.test"] });
    const b = await makeCertificate(`${dir}/b`, { ips: [] });
    const notPem = `${dir}/not.pem`;
    await Deno.writeTextFile(notPem, "hello");
    const brokenPem = `${dir}/broken.pem`;
    await Deno.writeTextFile(
      brokenPem,
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    );

    await t.step("a certificate and its key: their names and expiry", async () => {
      const pair = await readCertificates(a);
      assert.deepEqual(pair.names, ["localhost", "a.parley.test", "127.0.0.1"]);
      assert.ok(pair.validTo.getTime() > Date.now() + 300 * 86400_000, String(pair.validTo));
    });

    const refusals: [string, TlsFiles, RegExp][] = [
      [
        "no such file",
        { certFile: `${dir}/none.pem`, keyFile: a.keyFile },
        /^TLS_CERT_FILE: cannot read \S+none.pem \(no such file\)$/,
      ],
      [
        "a folder",
        { certFile: a.certFile, keyFile: dir },
        /^TLS_KEY_FILE: cannot read \S+ \(a folder, not a file\)$/,
      ],
      [
        "not PEM",
        { certFile: notPem, keyFile: a.keyFile },
        /^TLS_CERT_FILE: \S+not.pem holds no PEM certificate$/,
      ],
      [
        "a PEM certificate that does not parse",
        { certFile: brokenPem, keyFile: a.keyFile },
        /^TLS_CERT_FILE: \S+broken.pem holds a PEM certificate that does not parse$/,
      ],
      [
        "a key with no PEM",
        { certFile: a.certFile, keyFile: notPem },
        /^TLS_KEY_FILE: \S+not.pem holds no PEM private key$/,
      ],
      [
        "the key of another certificate",
        { certFile: a.certFile, keyFile: b.keyFile },
        /^TLS_KEY_FILE: \S+b\/key.pem is not the key of the certificate in \S+a\/cert.pem$/,
      ],
    ];
    for (const [what, files, message] of refusals) {
      await t.step(`${what}: refused in one line`, async () => {
        await assert.rejects(readCertificates(files), (error: Error) => {
          assert.match(error.message, message);
          assert.ok(!error.message.includes("\n"));
          return true;
        });
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** certbot's layout: archive/ holds every version, live/ symlinks the current one. */
class CertbotDir {
  readonly live: TlsFiles;
  #version = 0;

  constructor(readonly dir: string) {
    this.live = { certFile: `${dir}/live/fullchain.pem`, keyFile: `${dir}/live/privkey.pem` };
  }

  /** Writes a new version from `cert` and `key` and points live/ at it, as a renewal does. */
  async renew(cert: string, key: string): Promise<void> {
    const version = ++this.#version;
    await Deno.mkdir(`${this.dir}/archive`, { recursive: true });
    await Deno.mkdir(`${this.dir}/live`, { recursive: true });
    await Deno.copyFile(cert, `${this.dir}/archive/fullchain${version}.pem`);
    await Deno.copyFile(key, `${this.dir}/archive/privkey${version}.pem`);
    for (
      const [name, file] of [["fullchain", this.live.certFile], ["privkey", this.live.keyFile]]
    ) {
      // A new symlink renamed over the old one: never a moment without the file.
      await Deno.symlink(`../archive/${name}${version}.pem`, `${file}.new`);
      await Deno.rename(`${file}.new`, file);
    }
  }
}

/** The certificate a new TLS connection to `port` is served, as PEM. */
async function servedCertificate(port: number): Promise<string> {
  const { stdout } = await new Deno.Command("openssl", {
    args: ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return firstPem(new TextDecoder().decode(stdout));
}

function firstPem(text: string): string {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text);
  assert.ok(match, `no certificate in:\n${text}`);
  return match[0];
}

const offer: SignalMessage = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
};

/** `from` signals `to` over the connections they have, and it arrives. */
async function relays(from: Socket, to: Socket): Promise<void> {
  const received = nextEvent<IncomingSignal>(to, "signal");
  assert.deepEqual(await emitWithAck(from, "signal", offer), { ok: true });
  const { from: _sender, ...message } = await received;
  assert.deepEqual(message, offer);
}

async function waitForOutput(output: () => string, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const match = pattern.exec(output());
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no ${pattern} in the server's output:\n${output()}`);
}

Deno.test("a certificate in /tmp renewed mid-call: the call goes on, new connections get it", async (t) => {
  const dir = await tempDir();
  try {
    const first = await makeCertificate(`${dir}/first`, { ips: [], names: ["first.parley.test"] });
    const second = await makeCertificate(`${dir}/second`, {
      ips: [],
      names: ["second.parley.test"],
    });
    const other = await makeCertificate(`${dir}/other`, { ips: [] });
    const certbot = new CertbotDir(`${dir}/letsencrypt`);
    await certbot.renew(first.certFile, first.keyFile);
    const firstPemText = firstPem(await Deno.readTextFile(first.certFile));
    const secondPemText = firstPem(await Deno.readTextFile(second.certFile));

    await using server = await startServer({
      env: { TLS_CERT_FILE: certbot.live.certFile, TLS_KEY_FILE: certbot.live.keyFile },
    });
    assert.match(
      server.output(),
      /certificate: localhost, first\.parley\.test, 127\.0\.0\.1, valid until/,
    );
    await using clients = new ClientGroup(server.url);
    const ca = await Deno.readTextFile(first.certFile);
    const a = await clients.connect({ ca });
    const b = await clients.connect({ ca });
    const room = newRoomId();
    assert.equal(
      (await emitWithAck<{ ok: boolean }>(a, "join", { room, session: randomToken(9) })).ok,
      true,
    );
    const arrived = nextEvent(a, "peer-joined");
    assert.equal(
      (await emitWithAck<{ ok: boolean }>(b, "join", { room, session: randomToken(9) })).ok,
      true,
    );
    await arrived;
    let dropped = 0;
    for (const socket of [a, b]) socket.on("disconnect", () => dropped++);
    const ids = [a.id, b.id];
    await relays(a, b);
    assert.equal(await servedCertificate(server.port), firstPemText);

    await t.step(
      "a bad renewal (the key of another certificate): the old one stays, the log says why",
      async () => {
        await certbot.renew(second.certFile, other.keyFile);
        const line = await waitForOutput(server.output, /\{[^\n]*"tls\.reload\.failed"[^\n]*\}/);
        assert.match(
          JSON.parse(line).reason,
          /is not the key of the certificate in .*fullchain\.pem; still serving/,
        );
        assert.equal(await servedCertificate(server.port), firstPemText);
        await relays(b, a);
      },
    );

    await t.step(
      "a good renewal: new connections get it, the call's connections go on",
      async () => {
        await certbot.renew(second.certFile, second.keyFile);
        await waitForOutput(server.output, /"tls\.reloaded"[^\n]*second\.parley\.test/);
        assert.equal(await servedCertificate(server.port), secondPemText);
        await relays(a, b);
        await relays(b, a);
        assert.equal(dropped, 0, "a connection of the call was dropped");
        assert.deepEqual([a.id, b.id], ids, "the call's connections are the ones it began with");
        const newcomer = await clients.connect({ ca: await Deno.readTextFile(second.certFile) });
        assert.ok(newcomer.connected);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
