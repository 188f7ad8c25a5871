/**
 * Test helpers: certbot against a local ACME server, in a network namespace of its own. pebble is
 * Let's Encrypt's test server (Debian's `pebble`); pebble-challtestsrv answers its DNS questions
 * with 127.0.0.1 for every name, so the challenge for parley.example.org comes to whatever listens
 * on port 80 in the namespace (nginx with `--webroot`, or certbot itself with `--standalone`).
 * certbot writes into a temporary folder, never /etc/letsencrypt. Needs root, iproute2, certbot,
 * pebble and curl (`.ci/run` installs them).
 *
 * @module
 */
import { makeCertificate } from "../../deploy/make_cert.ts";
import { type Child, spawnChild } from "./process.ts";

/** The name the certificates are for. */
export const ACME_NAME = "parley.example.org";

/** Why certbot against pebble cannot run here (not root, a program missing), or null. */
export async function acmeUnavailable(extra: string[] = []): Promise<string | null> {
  if (Deno.uid() !== 0) return "network namespaces need root";
  const missing: string[] = [];
  for (const program of ["ip", "certbot", "pebble", "pebble-challtestsrv", "curl", ...extra]) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${program}`] })
      .output().then((r) => r.success).catch(() => false);
    if (!found) missing.push(program);
  }
  return missing.length ? `${missing.join(", ")} not installed (apt-get install -y ...)` : null;
}

/** A namespace with pebble in it, and certbot pointed at it. */
export interface Acme {
  /** The namespace's name. */
  namespace: string;
  /** A temporary folder (readable by everyone) for the test's files. */
  dir: string;
  /** certbot's configuration folder: what /etc/letsencrypt is on a server. */
  letsencrypt: string;
  /** Runs `command` in the namespace; resolves its output, throws with it when it fails. */
  run(...command: string[]): Promise<string>;
  /** Runs certbot with `args` against pebble; resolves its output. */
  certbot(...args: string[]): Promise<string>;
  /** The PEM root certbot's certificates chain to (pebble makes a new one each run). */
  root(): Promise<string>;
  /** The serial number of the certificate a new TLS connection to `port` in the namespace gets. */
  servedSerial(port: number): Promise<string>;
  /** Stops what runs and removes the namespace and the folder; never throws. */
  close(): Promise<void>;
}

/** Makes namespace `name` with loopback up, and starts pebble and its DNS in it. */
export async function startAcme(name: string): Promise<Acme> {
  const dir = await Deno.makeTempDir({ prefix: "parley-acme-" });
  await Deno.chmod(dir, 0o755);
  const children: Child[] = [];
  const run = async (...command: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command("ip", {
      args: ["netns", "exec", name, ...command],
      stdin: "null",
    }).output();
    const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    if (code !== 0) throw new Error(`${command.join(" ")} failed (${code}):\n${output}`);
    return output;
  };
  const close = async () => {
    for (const child of children.reverse()) await child.terminate("SIGTERM").catch(() => {});
    await new Deno.Command("ip", { args: ["netns", "del", name], stderr: "null" }).output();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  await new Deno.Command("ip", { args: ["netns", "del", name], stderr: "null" }).output();
  try {
    await new Deno.Command("ip", { args: ["netns", "add", name] }).output();
    await run("ip", "link", "set", "lo", "up");
    // pebble's own HTTPS certificate, which certbot is told to trust.
    const listener = await makeCertificate(`${dir}/pebble`, { ips: [] });
    await Deno.writeTextFile(
      `${dir}/pebble.json`,
      JSON.stringify({
        pebble: {
          listenAddress: "127.0.0.1:14000",
          managementListenAddress: "127.0.0.1:15000",
          certificate: listener.certFile,
          privateKey: listener.keyFile,
          httpPort: 80,
          tlsPort: 5001,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    const inNs = (...command: string[]) => ["netns", "exec", name, ...command];
    children.push(spawnChild(
      "ip",
      inNs(
        "pebble-challtestsrv",
        ...["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", "127.0.0.1:8053"],
        ...["-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:8055"],
      ),
    ));
    // No random wait before validating, no nonce refused on purpose: the same run every time.
    const pebble = spawnChild(
      "ip",
      inNs("pebble", "-config", `${dir}/pebble.json`, "-dnsserver", "127.0.0.1:8053"),
      { env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" } },
    );
    children.push(pebble);
    if (!await pebble.waitFor(/Listening on: 127\.0\.0\.1:14000/, Date.now() + 15_000)) {
      throw new Error(`pebble did not start:\n${pebble.output()}`);
    }
    const letsencrypt = `${dir}/letsencrypt`;
    return {
      namespace: name,
      dir,
      letsencrypt,
      run,
      certbot: (...args) =>
        run(
          "env",
          `REQUESTS_CA_BUNDLE=${listener.certFile}`,
          "certbot",
          ...args,
          ...["--server", "https://127.0.0.1:14000/dir", "--config-dir", letsencrypt],
          ...["--work-dir", `${dir}/certbot-work`, "--logs-dir", `${dir}/certbot-logs`],
          "--non-interactive",
        ),
      root: () => run("curl", "-sk", "https://127.0.0.1:15000/roots/0"),
      servedSerial: async (port) =>
        (await run(
          "sh",
          "-c",
          `openssl s_client -connect 127.0.0.1:${port} -servername ${ACME_NAME} </dev/null ` +
            "2>/dev/null | openssl x509 -noout -serial",
        )).trim(),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
