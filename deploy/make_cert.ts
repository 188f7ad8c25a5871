/**
 * `deno task cert`: a self-signed certificate for trying Parley over HTTPS on a home network (a
 * phone on the same Wi-Fi needs HTTPS for its camera). It names `localhost`, 127.0.0.1 and every
 * IPv4 address of this machine, and is written to `certs/` (ignored by git):
 *
 *   deno task cert
 *   TLS_CERT_FILE=certs/cert.pem TLS_KEY_FILE=certs/key.pem deno task start
 *
 * `--ip ADDRESS` (repeatable) adds addresses, `--out DIR` writes elsewhere. Uses `openssl`.
 *
 * @module
 */

/** Options for {@linkcode makeCertificate}. */
export interface CertificateOptions {
  /** IP addresses the certificate is for (besides 127.0.0.1). */
  ips: string[];
  /** Host names it is for (besides localhost). */
  names?: string[];
  /** Days it is valid; default 365. */
  days?: number;
}

/** Where {@linkcode makeCertificate} wrote the files. */
export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/**
 * Writes `cert.pem` and `key.pem` (an EC P-256 key) into `dir`: a self-signed server certificate
 * for `options.ips` and `options.names`. Not a CA (CA:FALSE), with serverAuth, as iOS requires.
 */
export async function makeCertificate(
  dir: string,
  options: CertificateOptions,
): Promise<CertificateFiles> {
  await Deno.mkdir(dir, { recursive: true });
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const ips = [...new Set(["127.0.0.1", ...options.ips])];
  const names = [...new Set(["localhost", ...options.names ?? []])];
  const altNames = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(",");
  const { success, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      String(options.days ?? 365),
      "-subj",
      "/CN=Parley (self-signed)",
      "-addext",
      `subjectAltName=${altNames}`,
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "extendedKeyUsage=serverAuth",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
  return { certFile, keyFile };
}

/** This machine's IPv4 addresses other than loopback: what a phone on the same Wi-Fi dials. */
export function lanAddresses(): string[] {
  return Deno.networkInterfaces()
    .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    .map((i) => i.address);
}

if (import.meta.main) {
  const args = [...Deno.args];
  let out = "certs";
  const ips: string[] = [];
  while (args.length > 0) {
    const flag = args.shift();
    const value = args.shift();
    if (!value || (flag !== "--out" && flag !== "--ip")) {
      console.error("usage: deno task cert [--ip ADDRESS]... [--out DIR]");
      Deno.exit(2);
    }
    if (flag === "--out") out = value;
    else ips.push(value);
  }
  const lan = lanAddresses();
  const files = await makeCertificate(out, { ips: [...lan, ...ips] });
  console.log(`Wrote ${files.certFile} and ${files.keyFile} (self-signed, valid 365 days).`);
  console.log("Start Parley with it:");
  console.log(`  TLS_CERT_FILE=${files.certFile} TLS_KEY_FILE=${files.keyFile} deno task start`);
  console.log("Then open, on this machine or a phone on the same Wi-Fi:");
  for (const ip of ["localhost", ...lan, ...ips]) console.log(`  https://${ip}:8000/`);
  console.log(
    "The browser warns that the certificate is not trusted; see docs/deploy.md, “Trying it from a phone on the same Wi-Fi”.",
  );
}
