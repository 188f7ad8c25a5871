/**
 * Test helpers: nginx on the simulated internet's server host, serving deploy/nginx-http.conf and
 * deploy/nginx.conf (the reverse proxy configuration docs/deploy.md gives) with only the
 * certificate paths replaced, in a throwaway prefix (pid, temp folders, logs) of its own.
 *
 * @module
 */
import type { Internet } from "./internet.ts";
import { spawnChild } from "./process.ts";
import { ROOT_DIR } from "./server.ts";

/** A running nginx. */
export interface Nginx {
  output(): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Why nginx cannot run here, or null when it can. */
export async function nginxUnavailable(): Promise<string | null> {
  try {
    await new Deno.Command("nginx", { args: ["-v"], stdout: "null", stderr: "null" }).output();
    return null;
  } catch {
    return "nginx is not installed (apt-get install -y nginx)";
  }
}

/**
 * Starts nginx with deploy/nginx-http.conf and deploy/nginx.conf on the server host of `internet`
 * (ports 80 and 443, in front of Parley on 127.0.0.1:8000), with `tls` as its certificate;
 * resolves once it listens.
 */
export async function startNginx(
  internet: Pick<Internet, "serverNamespace" | "run">,
  tls: { certFile: string; keyFile: string },
): Promise<Nginx> {
  const prefix = await Deno.makeTempDir({ prefix: "parley-nginx-" });
  const site = (await Deno.readTextFile(`${ROOT_DIR}deploy/nginx.conf`))
    .replace(/ssl_certificate \S+;/, `ssl_certificate ${tls.certFile};`)
    .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${tls.keyFile};`);
  await Deno.writeTextFile(`${prefix}/parley.conf`, site);
  await Deno.copyFile(`${ROOT_DIR}deploy/nginx-http.conf`, `${prefix}/parley-http.conf`);
  // What /etc/nginx/nginx.conf gives a site on Debian, cut down and kept in the prefix.
  await Deno.writeTextFile(
    `${prefix}/nginx.conf`,
    [
      "user root;",
      "worker_processes 1;",
      `pid ${prefix}/nginx.pid;`,
      "error_log stderr;",
      "events { worker_connections 256; }",
      "http {",
      `  client_body_temp_path ${prefix}/body;`,
      `  proxy_temp_path ${prefix}/proxy;`,
      `  fastcgi_temp_path ${prefix}/fastcgi;`,
      `  uwsgi_temp_path ${prefix}/uwsgi;`,
      `  scgi_temp_path ${prefix}/scgi;`,
      `  include ${prefix}/parley-http.conf;`,
      `  include ${prefix}/parley.conf;`,
      "}",
      "",
    ].join("\n"),
  );
  const args = ["-p", prefix, "-c", `${prefix}/nginx.conf`, "-e", "stderr"];
  await internet.run(internet.serverNamespace, "nginx", ...args, "-t");
  const child = spawnChild(
    "ip",
    ["netns", "exec", internet.serverNamespace, "nginx", ...args, "-g", "daemon off;"],
  );
  let exited = false;
  child.exited.then(() => (exited = true));
  const output = child.output;
  // SIGQUIT: nginx's graceful stop.
  const stop = async () => {
    await child.terminate("SIGQUIT", 3000);
    await Deno.remove(prefix, { recursive: true }).catch(() => {});
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const listening = await internet.run(internet.serverNamespace, "ss", "-ltnH", "sport = :443")
      .catch(() => "");
    if (listening.includes(":443")) break;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start: ${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { output, stop, [Symbol.asyncDispose]: stop };
}
