/**
 * The addresses a listening server is really reachable on, for its startup line: on every
 * interface (`0.0.0.0`, `::`), this machine's loopback first, then each interface's own address.
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

/** The startup lines: "Parley listening on <first>", then one "also on" line per other address. */
export function listenLines(urls: readonly ListenUrl[]): string[] {
  const [first, ...others] = urls;
  return [
    `Parley listening on ${first.url} (${first.where})`,
    ...others.map(({ url, where }) => `  also on ${url} (${where})`),
  ];
}

/**
 * What the server prints when it listens: where it is reachable, the connection caps and the
 * open-file limit they come from, and where rooms live.
 */
export function startupLines(options: {
  urls: readonly ListenUrl[];
  cap: number | null;
  /** 0: no per-address cap. */
  perAddress: number;
  fileLimit: number | null;
  rooms: string;
}): string {
  const { urls, cap, perAddress, fileLimit, rooms } = options;
  return [
    ...listenLines(urls),
    `  connections: at most ${cap ?? "unlimited"}, ${perAddress || "unlimited"} per address; ` +
    `open-file limit ${fileLimit ?? "unknown"}`,
    `  rooms: ${rooms}`,
  ].join("\n");
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");
}
