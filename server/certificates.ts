/**
 * The TLS certificate and key (`TLS_CERT_FILE`, `TLS_KEY_FILE`): read and checked at start, where
 * a problem is one line naming the variable and the path, and read again when the files change on
 * disk (certbot renews every 60–90 days, swapping the symlinks in /etc/letsencrypt/live/…). A good
 * renewal is handed to the server for new connections (`setSecureContext`): connections already
 * open, the calls' signaling among them, go on with the certificate they began with. A bad one
 * (unreadable, not PEM, a key of another certificate) keeps the old pair and logs why.
 *
 * @module
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { TlsFiles } from "./config.ts";
import { log } from "./log.ts";

/** A certificate (chain) and its private key, checked to belong together. */
export interface Certificates {
  cert: string;
  key: string;
  /** The names the certificate is for (its subject alternative names, else its common name). */
  names: string[];
  /** When it expires. */
  validTo: Date;
}

/**
 * Reads and checks the pair `files` names. Throws an Error whose message is one line naming the
 * variable and the path: missing, unreadable, not PEM, or a key that is not the certificate's.
 */
export async function readCertificates(files: TlsFiles): Promise<Certificates> {
  const [cert, key] = await Promise.all([
    readPem("TLS_CERT_FILE", files.certFile),
    readPem("TLS_KEY_FILE", files.keyFile),
  ]);
  if (!cert.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`TLS_CERT_FILE: ${files.certFile} holds no PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new Error(`TLS_KEY_FILE: ${files.keyFile} holds no PEM private key`);
  }
  let certificate: X509Certificate;
  try {
    // The first certificate of a chain (fullchain.pem) is the server's own.
    certificate = new X509Certificate(cert);
  } catch {
    throw new Error(`TLS_CERT_FILE: ${files.certFile} holds a PEM certificate that does not parse`);
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new Error(`TLS_KEY_FILE: ${files.keyFile} holds a PEM private key that does not parse`);
  }
  if (!matches) {
    throw new Error(
      `TLS_KEY_FILE: ${files.keyFile} is not the key of the certificate in ${files.certFile}`,
    );
  }
  return { cert, key, names: namesOf(certificate), validTo: new Date(certificate.validTo) };
}

async function readPem(name: string, path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`${name}: cannot read ${path} (${why(error)})`);
  }
}

/** The reason a file could not be read, said for the person who set the path. */
function why(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.IsADirectory) return "a folder, not a file";
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied: give the user Parley runs as read access to it";
  }
  if (error instanceof Deno.errors.NotCapable) {
    return "not granted to Deno: start Parley with `deno task start` or `deno task serve`, " +
      "which grant exactly these two files";
  }
  return error instanceof Error ? error.message : String(error);
}

function namesOf(certificate: X509Certificate): string[] {
  const alternative = (certificate.subjectAltName ?? "").split(",")
    .map((name) => name.trim().replace(/^(DNS|IP Address):/, ""))
    .filter(Boolean);
  if (alternative.length > 0) return alternative;
  const common = /CN=([^\n,]+)/.exec(certificate.subject)?.[1];
  return common ? [common] : [];
}

/** What {@linkcode watchCertificates} needs from the HTTPS server. */
export interface SecureContextTarget {
  setSecureContext(options: { cert: string; key: string }): void;
}

/** How often the files are looked at; a change is read once it has held for one more look. */
export const CERTIFICATE_POLL_MS = 2000;

/**
 * Looks at the two files every `pollMs`; when they changed and then held still for one more look
 * (certbot writes the certificate and the key one after the other), reads and checks them again.
 * A good pair goes to `server` for new connections; a bad one is logged once
 * (`tls.reload.failed`, with the reason) and the pair in use stays. Returns a function that stops.
 */
export function watchCertificates(
  server: SecureContextTarget,
  files: TlsFiles,
  options: { pollMs?: number; onReload?: (certificates: Certificates) => void } = {},
): () => void {
  let loaded = "";
  let seen = "";
  let tried = "";
  let busy = false;
  const look = async () => {
    if (busy) return;
    busy = true;
    try {
      const now = await signature(files);
      const settled = now === seen;
      seen = now;
      if (now === loaded || !settled || now === tried) return;
      tried = now;
      try {
        const certificates = await readCertificates(files);
        server.setSecureContext({ cert: certificates.cert, key: certificates.key });
        loaded = now;
        log("info", "tls.reloaded", {
          names: certificates.names.join(" "),
          validTo: certificates.validTo.toISOString(),
        });
        options.onReload?.(certificates);
      } catch (error) {
        log("error", "tls.reload.failed", {
          reason: `${(error as Error).message}; still serving the certificate read before`,
        });
      }
    } finally {
      busy = false;
    }
  };
  // What is on disk now is what the server started with.
  const ready = signature(files).then((now) => {
    loaded = seen = tried = now;
  });
  const timer = setInterval(() => ready.then(look), options.pollMs ?? CERTIFICATE_POLL_MS);
  return () => clearInterval(timer);
}

/** The files' identity and size and modification time (symlinks followed); "" where unreadable. */
async function signature(files: TlsFiles): Promise<string> {
  const one = async (path: string) => {
    try {
      const info = await Deno.stat(path);
      return `${info.ino}:${info.size}:${info.mtime?.getTime()}`;
    } catch {
      return "missing";
    }
  };
  return `${await one(files.certFile)} ${await one(files.keyFile)}`;
}
