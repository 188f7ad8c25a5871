/**
 * The addresses a listening server is really reachable on, for its startup lines: on every
 * interface (`0.0.0.0`, `::`), this machine's loopback first, then each interface's own address;
 * and whether a browser there may use the camera.
 *
 * @module
 */

/** One address to open the app at, and where it comes from. */
export interface ListenUrl {
  /** e.g. `http://192.168.1.20:8000/` */
  url: string;
  /** e.g. `this machine`, `eth0` */
  where: string;
}

/** An interface address, as `Deno.networkInterfaces()` gives it. */
export type InterfaceAddress = Pick<Deno.NetworkInterfaceInfo, "family" | "name" | "address">;

/**
 * Where a server listening on `host`:`port` can be opened. On a wildcard host: loopback first
 * (127.0.0.1 for `0.0.0.0`, [::1] for `::`), then every non-loopback address of `interfaces`
 * (IPv4 only for `0.0.0.0`; IPv6 link-local addresses are left out, as browsers cannot open them).
 * On a specific host: that host alone.
 */
export function listenUrls(
  host: string,
  port: number,
  interfaces: readonly InterfaceAddress[],
  scheme: "http" | "https" = "http",
): ListenUrl[] {
  const url = (address: string) =>
    `${scheme}://${address.includes(":") ? `[${address}]` : address}:${port}/`;
  const wildcard4 = host === "0.0.0.0";
  const wildcard6 = host === "::" || host === "[::]";
  if (!wildcard4 && !wildcard6) {
    return [{ url: url(host.replace(/^\[(.*)\]$/, "$1")), where: host }];
  }
  const urls: ListenUrl[] = [{ url: url(wildcard4 ? "127.0.0.1" : "::1"), where: "this machine" }];
  for (const { family, name, address } of interfaces) {
    if (family === "IPv6" && (wildcard4 || /^fe[89ab]/i.test(address))) continue;
    if (isLoopback(address)) continue;
    const entry = { url: url(address), where: name };
    if (!urls.some((u) => u.url === entry.url)) urls.push(entry);
  }
  return urls;
}

/**
 * This machine's interface addresses (`--allow-sys=networkInterfaces`); none when they cannot be
 * read, so the startup line still names loopback rather than the server failing to start.
 */
export function interfaceAddresses(): InterfaceAddress[] {
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}

/**
 * Whether a browser opening `url` may use the camera and microphone: only on a secure page, that
 * is HTTPS, or plain http on this machine itself (localhost, 127.0.0.0/8, [::1]).
 */
export function cameraAllowed(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === "https:") return true;
  const host = hostname.replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host.endsWith(".localhost") || isLoopback(host);
}

/**
 * The startup lines about addresses: "Parley listening on <first>", then one "also on" line per
 * other address, each saying whether a browser there can use the camera; when one cannot, a line
 * saying how to fix it.
 */
export function listenLines(urls: readonly ListenUrl[]): string[] {
  const said = ({ url, where }: ListenUrl) =>
    `${url} (${where}, ${
      cameraAllowed(url) ? "camera ok" : "no camera: browsers allow it only on https or localhost"
    })`;
  const [first, ...others] = urls;
  const lines = [
    `Parley listening on ${said(first)}`,
    ...others.map((u) => `  also on ${said(u)}`),
  ];
  if (urls.some(({ url }) => !cameraAllowed(url))) {
    lines.push(
      "  for the camera from other devices, serve https: `deno task cert`, then start with " +
        "TLS_CERT_FILE=certs/cert.pem TLS_KEY_FILE=certs/key.pem (docs/deploy.md)",
    );
  }
  return lines;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}
