/**
 * HTTPS in front of Parley as docs/deploy.md does it, in its order, inside a network namespace of
 * its own: Parley on 127.0.0.1:8000; nginx with deploy/nginx-http.conf alone (`nginx -t` passes
 * with no certificate anywhere, while deploy/nginx.conf would not); certbot (`--webroot`) getting
 * a certificate through it from a local ACME server (tests/helpers/acme.ts); then
 * deploy/nginx.conf, verified by curl against the ACME server's root: the room page and Socket.IO's
 * WebSocket through it; then a renewal, picked up by nginx through certbot's deploy hook.
 *
 * The deploy files run as shipped, but for the paths of the certificate (certbot writes into a
 * temporary folder, not /etc/letsencrypt) and of the webroot. Needs root, iproute2, nginx,
 * certbot, pebble and curl (`.ci/run` installs them).
 */
import assert from "node:assert/strict";
import { newRoomId } from "../../protocol/signaling.ts";
import { type Acme, ACME_NAME as NAME, acmeUnavailable, startAcme } from "../helpers/acme.ts";
import { type Child, spawnChild } from "../helpers/process.ts";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR, startServer } from "../helpers/server.ts";

const needs = requirement(
  "tests/deploy/nginx_test.ts",
  "the nginx and certbot test",
  await acmeUnavailable(["nginx"]),
);

/** nginx in a prefix of its own, including the site files given, as Debian's nginx.conf does. */
class Nginx {
  readonly args: string[];
  #child: Child | null = null;

  constructor(readonly acme: Acme, readonly prefix: string) {
    this.args = ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", "stderr"];
  }

  /** Writes the main configuration including `sites` (files in the prefix). */
  async configure(sites: string[]): Promise<void> {
    await Deno.mkdir(this.prefix, { recursive: true });
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
      return { ok: true, said: await this.acme.run("nginx", ...this.args, "-t") };
    } catch (error) {
      return { ok: false, said: (error as Error).message };
    }
  }

  async start(): Promise<void> {
    this.#child = spawnChild(
      "ip",
      ["netns", "exec", this.acme.namespace, "nginx", ...this.args, "-g", "daemon off;"],
    );
    const deadline = Date.now() + 10_000;
    while (!(await this.acme.run("ss", "-ltnH", "sport = :80")).includes(":80")) {
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

Deno.test({
  name: "nginx and certbot in the guide's order: http first, a certificate through it, then https",
  ignore: needs.ignore,
  fn: async (t) => {
    needs.check();
    const acme = await startAcme(`parley-tls-${Deno.pid}`);
    const webroot = `${acme.dir}/webroot`;
    const nginx = new Nginx(acme, `${acme.dir}/nginx`);
    /** curl inside the namespace, for parley.example.org at 127.0.0.1. */
    const curl = (...args: string[]) =>
      acme.run(
        ...["curl", "--silent", "--show-error", "--max-time", "10"],
        ...["--resolve", `${NAME}:80:127.0.0.1`, "--resolve", `${NAME}:443:127.0.0.1`],
        ...args,
      );
    const stops: (() => Promise<unknown>)[] = [];
    try {
      await Deno.mkdir(webroot, { recursive: true });
      const server = await startServer({
        namespace: acme.namespace,
        host: "127.0.0.1",
        port: 8000,
      });
      stops.push(() => server.stop());

      await t.step(
        "part 1 alone passes nginx -t with no certificate; part 2 would not",
        async () => {
          const http = (await Deno.readTextFile(`${ROOT_DIR}deploy/nginx-http.conf`))
            .replace("root /var/www/letsencrypt;", `root ${webroot};`);
          await nginx.configure([]);
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
            ...["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", `http://${NAME}/r/x`],
          );
          assert.equal(redirect, `301 https://${NAME}/r/x`);
        },
      );

      await t.step("certbot --webroot gets the certificate through part 1", async () => {
        await acme.certbot(
          ...["certonly", "--webroot", "-w", webroot, "-d", NAME],
          ...["--agree-tos", "--register-unsafely-without-email"],
          ...["--deploy-hook", nginx.reloadCommand],
        );
        const live = await Deno.readTextFile(`${acme.letsencrypt}/live/${NAME}/fullchain.pem`);
        assert.match(live, /BEGIN CERTIFICATE/);
      });

      const root = `${acme.dir}/acme-root.pem`;
      await t.step(
        "part 2: nginx -t passes, https answers with HSTS, the app and its WebSocket behind it",
        async () => {
          const https = (await Deno.readTextFile(`${ROOT_DIR}deploy/nginx.conf`))
            .replaceAll("/etc/letsencrypt/", `${acme.letsencrypt}/`);
          await Deno.writeTextFile(`${nginx.prefix}/parley.conf`, https);
          await nginx.configure(["parley-http.conf", "parley.conf"]);
          const second = await nginx.test();
          assert.ok(second.ok, second.said);
          await acme.run("sh", "-c", nginx.reloadCommand);
          // The ACME server's root: curl checks the whole chain nginx sends against it.
          await Deno.writeTextFile(root, await acme.root());
          const deadline = Date.now() + 10_000;
          let page = "";
          while (!page.includes("<html")) {
            page = await curl("--cacert", root, `https://${NAME}/r/${newRoomId()}`).catch(() => "");
            if (Date.now() > deadline) throw new Error(`no room page over https:\n${page}`);
          }
          // Browsers told to come back over HTTPS only, as Parley's own TLS tells them.
          const head = await curl(
            "--cacert",
            root,
            "-D",
            "-",
            "-o",
            "/dev/null",
            `https://${NAME}/`,
          );
          assert.match(head, /\r\nstrict-transport-security: max-age=31536000\r\n/i);
          // Socket.IO's WebSocket through nginx: the upgrade, then Engine.IO's open packet.
          const upgrade = await curl(
            ...["--cacert", root, "--http1.1", "-i", "-N", "--max-time", "3"],
            ...["-H", "Connection: Upgrade", "-H", "Upgrade: websocket"],
            ...[
              "-H",
              "Sec-WebSocket-Version: 13",
              "-H",
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            ],
            `https://${NAME}/socket.io/?EIO=4&transport=websocket`,
          ).catch((error: Error) => error.message);
          assert.match(upgrade, /HTTP\/1\.1 101 Switching Protocols/);
          assert.match(upgrade, /0\{"sid":/);
        },
      );

      await t.step(
        "a renewal: certbot's deploy hook reloads nginx, new connections get it",
        async () => {
          const before = await acme.servedSerial(443);
          await acme.certbot("renew", "--force-renewal", "--no-random-sleep-on-renew");
          const deadline = Date.now() + 10_000;
          while ((await acme.servedSerial(443)) === before) {
            if (Date.now() > deadline) throw new Error("nginx still serves the old certificate");
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          const page = await curl(
            ...["--cacert", root, "-o", "/dev/null", "-w", "%{http_code}", `https://${NAME}/`],
          );
          assert.equal(page, "200");
        },
      );
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      await acme.close();
    }
  },
});
