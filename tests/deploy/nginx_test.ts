/**
 * HTTPS in front of Parley as docs/deploy.md does it, in its order, inside a network namespace of
 * its own: Parley on 127.0.0.1:8000; nginx with deploy/nginx-http.conf alone (`nginx -t` passes
 * with no certificate anywhere, while deploy/nginx.conf would not); certbot (`--webroot`) getting
 * a certificate through it from a local ACME server (pebble, Let's Encrypt's test server, with a
 * DNS that sends parley.example.org to this namespace); then deploy/nginx.conf, verified by curl
 * against the ACME server's root: the room page and Socket.IO's WebSocket through it; then a
 * renewal, picked up by nginx through certbot's deploy hook.
 *
 * The deploy files run as shipped, but for the paths of the certificate (certbot writes into a
 * temporary folder, not /etc/letsencrypt) and of the webroot. Needs root, iproute2, nginx,
 * certbot, pebble and curl (`.ci/run` installs them).
 */
import assert from "node:assert/strict";
import { makeCertificate } from "../../deploy/make_cert.ts";
import { newRoomId } from "../../protocol/signaling.ts";
import { spawnChild } from "../helpers/process.ts";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR, startServer } from "../helpers/server.ts";

const NAME = "parley.example.org";
const NS = `parley-tls-${Deno.pid}`;

async function missingPrograms(): Promise<string | null> {
  if (Deno.uid() !== 0) return "network namespaces need root";
  const missing: string[] = [];
  for (const program of ["ip", "nginx", "certbot", "pebble", "pebble-challtestsrv", "curl"]) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`] })
      .output().then((r) => r.success).catch(() => false);
    if (!found) missing.push(program);
  }
  return missing.length ? `${missing.join(", ")} not installed (apt-get install -y ...)` : null;
}

const needs = requirement(
  "tests/deploy/nginx_test.ts",
  "the nginx and certbot test",
  await missingPrograms(),
);

/** Runs `command` in the namespace; resolves its output, throws with it when it fails. */
async function inNs(...command: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("ip", {
    args: ["netns", "exec", NS, ...command],
    stdin: "null",
  }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`${command.join(" ")} failed (${code}):\n${output}`);
  return output;
}

/** nginx in a prefix of its own, including the site files given, as Debian's nginx.conf does. */
class Nginx {
  readonly args: string[];
  #child: ReturnType<typeof spawnChild> | null = null;

  constructor(readonly prefix: string) {
    this.args = ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", "stderr"];
  }

  /** Writes the main configuration including `sites` (files in the prefix). */
  async configure(sites: string[]): Promise<void> {
    const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
      .map((name) => `  ${name}_temp_path ${this.prefix}/${name};`);
    await Deno.writeTextFile(
      `${this.prefix}/nginx.conf`,
      [
        "user root;",
        "worker_processes 1;",
        `pid ${this.prefix}/nginx.pid;`,
        "error_log stderr;",
        "events { worker_connections 64; }",
        "http {",
        ...temp,
        ...sites.map((site) => `  include ${this.prefix}/${site};`),
        "}",
        "",
      ].join("\n"),
    );
  }

  /** `nginx -t`: resolves whether the configuration is good, and what nginx said. */
  async test(): Promise<{ ok: boolean; said: string }> {
    try {
      return { ok: true, said: await inNs("nginx", ...this.args, "-t") };
    } catch (error) {
      return { ok: false, said: (error as Error).message };
    }
  }

  async start(): Promise<void> {
    this.#child = spawnChild("ip", [
      "netns",
      "exec",
      NS,
      "nginx",
      ...this.args,
      "-g",
      "daemon off;",
    ]);
    const deadline = Date.now() + 10_000;
    while (!(await inNs("ss", "-ltnH", "sport = :80")).includes(":80")) {
      if (Date.now() > deadline) throw new Error(`nginx did not listen:\n${this.#child.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The command that makes the running nginx read its configuration again. */
  get reloadCommand(): string {
    return `nginx ${this.args.join(" ")} -s reload`;
  }

  async stop(): Promise<void> {
    await this.#child?.terminate("SIGQUIT", 3000);
  }
}

/** curl inside the namespace, for parley.example.org at 127.0.0.1. */
function curl(...args: string[]): Promise<string> {
  return inNs(
    "curl",
    "--silent",
    "--show-error",
    "--max-time",
    "10",
    "--resolve",
    `${NAME}:80:127.0.0.1`,
    "--resolve",
    `${NAME}:443:127.0.0.1`,
    ...args,
  );
}

/** The serial number of the certificate a new connection to port 443 gets. */
async function servedSerial(): Promise<string> {
  const shown = await inNs(
    "sh",
    "-c",
    `openssl s_client -connect 127.0.0.1:443 -servername ${NAME} </dev/null 2>/dev/null | ` +
      "openssl x509 -noout -serial",
  );
  return shown.trim();
}

Deno.test({
  name: "nginx and certbot in the guide's order: http first, a certificate through it, then https",
  ignore: needs.ignore,
  fn: async (t) => {
    needs.check();
    const dir = await Deno.makeTempDir({ prefix: "parley-tls-" });
    await Deno.chmod(dir, 0o755);
    const webroot = `${dir}/webroot`;
    const letsencrypt = `${dir}/letsencrypt`;
    const nginx = new Nginx(`${dir}/nginx`);
    const stops: (() => Promise<unknown>)[] = [];
    await new Deno.Command("ip", { args: ["netns", "del", NS], stderr: "null" }).output();
    await new Deno.Command("ip", { args: ["netns", "add", NS] }).output();
    try {
      await inNs("ip", "link", "set", "lo", "up");
      await Deno.mkdir(webroot, { recursive: true });
      await Deno.mkdir(nginx.prefix, { recursive: true });
      const server = await startServer({ namespace: NS, host: "127.0.0.1", port: 8000 });
      stops.push(() => server.stop());

      await t.step(
        "part 1 alone passes nginx -t with no certificate; part 2 would not",
        async () => {
          const http = (await Deno.readTextFile(`${ROOT_DIR}deploy/nginx-http.conf`))
            .replace("root /var/www/letsencrypt;", `root ${webroot};`);
          await Deno.writeTextFile(`${nginx.prefix}/parley-http.conf`, http);
          await Deno.copyFile(`${ROOT_DIR}deploy/nginx.conf`, `${nginx.prefix}/parley.conf`);
          await nginx.configure(["parley-http.conf", "parley.conf"]);
          const early = await nginx.test();
          assert.equal(early.ok, false, "nginx.conf passed nginx -t without its certificate");
          assert.match(early.said, /letsencrypt\/live\/parley\.example\.org\/fullchain\.pem/);
          await nginx.configure(["parley-http.conf"]);
          const first = await nginx.test();
          assert.ok(first.ok, first.said);
          await nginx.start();
          stops.push(() => nginx.stop());
          const redirect = await curl(
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            `http://${NAME}/r/x`,
          );
          assert.equal(redirect, `301 https://${NAME}/r/x`);
        },
      );

      // Let's Encrypt's test server, and a DNS that answers 127.0.0.1 for every name.
      const acme = await makeCertificate(`${dir}/acme`, { ips: [] });
      await Deno.writeTextFile(
        `${dir}/pebble.json`,
        JSON.stringify({
          pebble: {
            listenAddress: "127.0.0.1:14000",
            managementListenAddress: "127.0.0.1:15000",
            certificate: acme.certFile,
            privateKey: acme.keyFile,
            httpPort: 80,
            tlsPort: 5001,
            ocspResponderURL: "",
            externalAccountBindingRequired: false,
          },
        }),
      );
      const dns = spawnChild("ip", [
        "netns",
        "exec",
        NS,
        "pebble-challtestsrv",
        "-defaultIPv4",
        "127.0.0.1",
        "-defaultIPv6",
        "",
        "-dns01",
        "127.0.0.1:8053",
        "-http01",
        "",
        "-https01",
        "",
        "-tlsalpn01",
        "",
        "-management",
        "127.0.0.1:8055",
      ]);
      stops.push(() => dns.terminate("SIGTERM"));
      const pebble = spawnChild("ip", [
        "netns",
        "exec",
        NS,
        "pebble",
        "-config",
        `${dir}/pebble.json`,
        "-dnsserver",
        "127.0.0.1:8053",
      ], { env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" } });
      stops.push(() => pebble.terminate("SIGTERM"));
      assert.ok(
        await pebble.waitFor(/Listening on: 127\.0\.0\.1:14000/, Date.now() + 15_000),
        pebble.output(),
      );

      const certbot = (...args: string[]) =>
        inNs(
          "env",
          `REQUESTS_CA_BUNDLE=${acme.certFile}`,
          "certbot",
          ...args,
          "--server",
          "https://127.0.0.1:14000/dir",
          "--config-dir",
          letsencrypt,
          "--work-dir",
          `${dir}/certbot-work`,
          "--logs-dir",
          `${dir}/certbot-logs`,
          "--non-interactive",
        );

      await t.step("certbot --webroot gets the certificate through part 1", async () => {
        await certbot(
          "certonly",
          "--webroot",
          "-w",
          webroot,
          "-d",
          NAME,
          "--agree-tos",
          "--register-unsafely-without-email",
          "--deploy-hook",
          nginx.reloadCommand,
        );
        const live = await Deno.readTextFile(`${letsencrypt}/live/${NAME}/fullchain.pem`);
        assert.match(live, /BEGIN CERTIFICATE/);
      });

      const root = `${dir}/acme-root.pem`;
      await t.step(
        "part 2: nginx -t passes, https answers with the certificate, the app behind it",
        async () => {
          const https = (await Deno.readTextFile(`${ROOT_DIR}deploy/nginx.conf`))
            .replaceAll("/etc/letsencrypt/", `${letsencrypt}/`);
          await Deno.writeTextFile(`${nginx.prefix}/parley.conf`, https);
          await nginx.configure(["parley-http.conf", "parley.conf"]);
          const second = await nginx.test();
          assert.ok(second.ok, second.said);
          await inNs("sh", "-c", nginx.reloadCommand);
          // The ACME server's root: curl checks the whole chain nginx sends against it.
          await Deno.writeTextFile(
            root,
            await inNs("curl", "-sk", "https://127.0.0.1:15000/roots/0"),
          );
          const deadline = Date.now() + 10_000;
          let page = "";
          while (!page.includes("<html")) {
            page = await curl("--cacert", root, `https://${NAME}/r/${newRoomId()}`).catch(() => "");
            if (Date.now() > deadline) throw new Error(`no room page over https:\n${page}`);
          }
          // Socket.IO's WebSocket through nginx: the upgrade, then Engine.IO's open packet.
          const upgrade = await curl(
            "--cacert",
            root,
            "--http1.1",
            "-i",
            "-N",
            "--max-time",
            "3",
            "-H",
            "Connection: Upgrade",
            "-H",
            "Upgrade: websocket",
            "-H",
            "Sec-WebSocket-Version: 13",
            "-H",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            `https://${NAME}/socket.io/?EIO=4&transport=websocket`,
          ).catch((error: Error) => error.message);
          assert.match(upgrade, /HTTP\/1\.1 101 Switching Protocols/);
          assert.match(upgrade, /0\{"sid":/);
        },
      );

      await t.step(
        "a renewal: certbot's deploy hook reloads nginx, new connections get it",
        async () => {
          const before = await servedSerial();
          await certbot("renew", "--force-renewal", "--no-random-sleep-on-renew");
          const deadline = Date.now() + 10_000;
          while ((await servedSerial()) === before) {
            if (Date.now() > deadline) throw new Error("nginx still serves the old certificate");
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          const page = await curl(
            "--cacert",
            root,
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            `https://${NAME}/`,
          );
          assert.equal(page, "200");
        },
      );
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      await new Deno.Command("ip", { args: ["netns", "del", NS], stderr: "null" }).output();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
