/**
 * Startup that helps: what the server says when it listens (the camera at each address, the relay
 * and ICE policy, the certificate, the limits), and when it cannot start, one line `Parley: …` and
 * exit code 1, never a stack trace: a bad PORT or HOST, a busy port, a certificate that cannot be
 * read or a key that is not the certificate's. Through `deno task serve` too, which passes the
 * exit code on.
 */
import assert from "node:assert/strict";
import { makeCertificate } from "../../deploy/make_cert.ts";
import { loadConfig } from "../../server/config.ts";
import { listenUrls } from "../../server/listen_addresses.ts";
import { listenFailure, startupLines } from "../../server/startup.ts";
import { ROOT_DIR, startTaskArgs } from "../helpers/server.ts";

const LAN = [{ family: "IPv4" as const, name: "eth0", address: "192.168.1.20" }];

function report(env: Record<string, string>, options: { https?: boolean } = {}) {
  return startupLines({
    urls: listenUrls("0.0.0.0", 8000, LAN, options.https ? "https" : "http"),
    certificates: options.https
      ? { names: ["parley.example.org"], validTo: new Date("2031-02-03T00:00:00Z") }
      : null,
    config: loadConfig((name) => env[name]),
    cap: 768,
    fileLimit: 1024,
    rooms: "in memory (one instance)",
    metrics: "http://127.0.0.1:9464/metrics",
  }).split("\n");
}

Deno.test("startup lines: the camera at each address, the relay, the limits", async (t) => {
  await t.step("plain http on every interface: no camera off this machine, and the fix", () => {
    const lines = report({});
    assert.match(
      lines[0],
      /^Parley listening on http:\/\/127\.0\.0\.1:8000\/ \(this machine, camera ok\)$/,
    );
    assert.match(
      lines[1],
      /192\.168\.1\.20:8000\/ \(eth0, no camera: browsers allow it only on https/,
    );
    assert.match(lines[2], /`deno task cert`, then start with TLS_CERT_FILE=/);
    assert.match(
      lines[3],
      /^ {2}relay \(TURN\): none, so people behind strict routers may not connect/,
    );
    assert.match(lines[3], /ICE policy: all$/);
    assert.equal(
      lines[4],
      "  limits: 768 connections (open-file limit 1024), 100 per address; a minute per address: " +
        "300 new connections, 120 joins; seats held 30 s",
    );
    assert.equal(lines[5], "  rooms: in memory (one instance)");
    assert.equal(lines[6], "  metrics: http://127.0.0.1:9464/metrics");
  });

  await t.step("behind a proxy: whose X-Forwarded-For names the client", () => {
    const lines = report({ TRUST_PROXY: "127.0.0.1, ::1" });
    assert.ok(
      lines.includes(
        "  client addresses: X-Forwarded-For of connections from 127.0.0.1, ::1 (TRUST_PROXY); " +
          "everyone else's own",
      ),
      lines.join("\n"),
    );
  });

  await t.step("https, a TURN relay, relay only: the certificate and the policy said", () => {
    const lines = report({
      TURN_URLS: "turn:turn.example.org:3478?transport=udp",
      TURN_SECRET: "s",
      ICE_SERVERS: '[{"urls":"stun:turn.example.org:3478"}]',
      ICE_TRANSPORT_POLICY: "relay",
      MAX_CONNECTIONS_PER_ADDRESS: "0",
    }, { https: true });
    assert.ok(lines.slice(0, 2).every((line) => line.includes("camera ok")), lines.join("\n"));
    assert.equal(
      lines[2],
      "  certificate: parley.example.org, valid until 2031-02-03; a renewed one is picked up",
    );
    assert.equal(
      lines[3],
      "  relay (TURN): turn:turn.example.org:3478?transport=udp, credentials from TURN_SECRET " +
        "valid 600 s; STUN: stun:turn.example.org:3478; ICE policy: relay",
    );
    assert.match(lines[4], /, no cap per address;/);
  });
});

Deno.test("listenFailure: what a failed listen means, in one line", () => {
  const failure = (code: string) => listenFailure({ code, message: code }, "0.0.0.0", 80);
  assert.match(failure("EADDRINUSE"), /^port 80 on 0\.0\.0\.0 is already in use .*set PORT/);
  assert.match(failure("EACCES"), /^not allowed to listen on port 80: .*PORT=8000 behind a proxy/);
  assert.match(failure("EINVAL"), /^HOST=0\.0\.0\.0 is not an address of this machine/);
  assert.match(failure("ENOTFOUND"), /^HOST=0\.0\.0\.0 is not a name this machine resolves/);
  assert.equal(failure("EWHATEVER"), "cannot listen on 0.0.0.0:80: EWHATEVER");
});

/** Runs the server as the start task would with `env`; resolves its exit code and output. */
async function startWith(env: Record<string, string>) {
  // Only what is given here, so a developer's shell cannot leak a setting in.
  const inherited = Object.fromEntries(
    ["PATH", "HOME", "DENO_DIR"].flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const full = {
    ...inherited,
    NO_COLOR: "1",
    PORT: "0",
    HOST: "127.0.0.1",
    METRICS_PORT: "0",
    ...env,
  };
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: await startTaskArgs(full),
    cwd: ROOT_DIR,
    env: full,
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return { code, output: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** Asserts that the output is exactly one `Parley:` line matching `message`, and no stack. */
function assertOneLine(result: { code: number; output: string }, message: RegExp): void {
  const lines = result.output.split("\n").filter((line) => line.trim());
  assert.equal(result.code, 1, result.output);
  assert.equal(lines.length, 1, result.output);
  assert.match(lines[0], /^Parley: /);
  assert.match(lines[0], message);
}

Deno.test("bad input at startup: one line, exit code 1, no stack trace", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "parley-startup-" });
  try {
    const a = await makeCertificate(`${dir}/a`, { ips: [] });
    const b = await makeCertificate(`${dir}/b`, { ips: [] });
    const cases: [string, Record<string, string>, RegExp][] = [
      [
        "a PORT that is not a number",
        { PORT: "eighty" },
        /PORT must be an integer from 0 to 65535, got "eighty"/,
      ],
      ["a PORT out of range", { PORT: "70000" }, /PORT must be an integer from 0 to 65535/],
      [
        "a HOST that is not this machine's",
        { HOST: "198.51.100.77" },
        /HOST=198\.51\.100\.77 is not an address of this machine/,
      ],
      ["a certificate file that is not there", {
        TLS_CERT_FILE: `${dir}/none.pem`,
        TLS_KEY_FILE: a.keyFile,
      }, /TLS_CERT_FILE: cannot read \S+none\.pem \(no such file\)/],
      [
        "a certificate path that is a folder",
        { TLS_CERT_FILE: dir, TLS_KEY_FILE: a.keyFile },
        /TLS_CERT_FILE: cannot read \S+ \(a folder, not a file\)/,
      ],
      ["a key that is not the certificate's", {
        TLS_CERT_FILE: a.certFile,
        TLS_KEY_FILE: b.keyFile,
      }, /TLS_KEY_FILE: \S+ is not the key of the certificate in \S+/],
    ];
    cases.push([
      "a proxy list that does not parse",
      { TRUST_PROXY: "127.0.0.1, 10.0.0/8" },
      /TRUST_PROXY must list the proxies' addresses or CIDRs .*got "10\.0\.0\/8"/,
    ]);
    using holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = String((holder.addr as Deno.NetAddr).port);
    cases.push([
      "a port already in use",
      { PORT: port },
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use .*set PORT to a free port`),
    ]);
    cases.push([
      "a metrics port already in use",
      { METRICS_PORT: port },
      new RegExp(`METRICS_PORT: cannot listen on 127\\.0\\.0\\.1:${port} .*METRICS_PORT`),
    ]);
    // Started together: each is a whole server start, and they do not meet.
    const results = await Promise.all(cases.map(([, env]) => startWith(env)));
    for (const [index, [what, , message]] of cases.entries()) {
      await t.step(what, () => assertOneLine(results[index], message));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task serve with a bad PORT: the line, and exit code 1 through the task", async () => {
  await startTaskArgs({}); // builds dist/ when it is missing or stale
  const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "serve"],
    cwd: ROOT_DIR,
    env: { NO_COLOR: "1", PORT: "-1" },
    stdin: "null",
  }).output();
  const output = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
  assert.equal(code, 1, output);
  const said = output.split("\n").filter((line) => line.startsWith("Parley:"));
  assert.deepEqual(said, ['Parley: PORT must be an integer from 0 to 65535, got "-1"'], output);
  assert.doesNotMatch(output, /\n\s+at /, "no stack trace");
});
