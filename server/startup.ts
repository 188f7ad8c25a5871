/**
 * What the server says when it starts: where it listens and whether a browser there can use the
 * camera, the certificate, the relay and ICE policy, the limits in force, where rooms live. And
 * what it says when it cannot start: one line, `Parley: …`, exit code 1, never a stack trace (a
 * bad setting, a busy port, a certificate that cannot be read or does not match its key).
 *
 * @module
 */
import type { Certificates } from "./certificates.ts";
import type { Config } from "./config.ts";
import { listenLines, type ListenUrl } from "./listen_addresses.ts";

/** Ends the process at startup: one line naming what is wrong, exit code 1. */
export function refuseToStart(message: string): never {
  console.error(`Parley: ${message}`);
  Deno.exit(1);
}

/**
 * Runs a startup step; an Error it throws (or its promise rejects with) ends the process with its
 * message as one line (see {@linkcode refuseToStart}).
 */
export function orRefuse<T>(step: () => T): T {
  const refuse = (error: unknown): never =>
    refuseToStart(error instanceof Error ? error.message : String(error));
  try {
    const value = step();
    return (value instanceof Promise ? value.catch(refuse) : value) as T;
  } catch (error) {
    return refuse(error);
  }
}

/** What a failed `listen` means for the person starting Parley, in one line. */
export function listenFailure(error: unknown, host: string, port: number): string {
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case "EADDRINUSE":
      return `port ${port} on ${host} is already in use (another Parley, or another server): ` +
        "stop it, or set PORT to a free port";
    case "EACCES":
      return `not allowed to listen on port ${port}: ports below 1024 need privileges; ` +
        "use PORT=8000 behind a proxy on 443 (docs/deploy.md)";
    case "EADDRNOTAVAIL":
    case "EINVAL":
      return `HOST=${host} is not an address of this machine: use one of its addresses, ` +
        "127.0.0.1 (behind a proxy) or 0.0.0.0 (every interface)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `HOST=${host} is not a name this machine resolves: use an address`;
    default:
      return `cannot listen on ${host}:${port}: ${message ?? String(error)}`;
  }
}

/** What {@linkcode startupLines} reports. */
export interface StartupReport {
  urls: readonly ListenUrl[];
  /** The certificate served, when the server speaks HTTPS. */
  certificates: Pick<Certificates, "names" | "validTo"> | null;
  config: Pick<
    Config,
    "iceServers" | "turn" | "iceTransportPolicy" | "seatGraceMs" | "limits" | "trustProxy"
  >;
  /** The global connection cap in force, null: none. */
  cap: number | null;
  fileLimit: number | null;
  /** Where rooms live, e.g. "in memory (one instance)". */
  rooms: string;
  /** Where `/metrics` is served (a listener of its own), or null: nowhere (`METRICS_PORT=off`). */
  metrics: string | null;
}

/** The startup lines, one string (written at once, so whoever waits for the first has them all). */
export function startupLines(report: StartupReport): string {
  const { certificates, config, cap, fileLimit } = report;
  const lines = listenLines(report.urls);
  if (certificates) {
    lines.push(
      `  certificate: ${certificates.names.join(", ") || "no names"}, valid until ` +
        `${certificates.validTo.toISOString().slice(0, 10)}` +
        (certificates.validTo.getTime() < Date.now() ? " (EXPIRED: browsers refuse it)" : "") +
        "; a renewed one is picked up",
    );
  }
  lines.push(`  ${iceLine(config)}`);
  const { limits } = config;
  const rate = (n: number, what: string) => (n ? `${n} ${what}` : `${what}: no limit`);
  lines.push(
    `  limits: ${cap ?? "no cap on"} connections (open-file limit ${fileLimit ?? "unknown"}), ` +
      `${limits.connectionsPerAddress || "no cap"} per address; a minute per address: ` +
      `${rate(limits.connectionsPerAddressPerMinute, "new connections")}, ` +
      `${rate(limits.joinsPerAddress, "joins")}; seats held ${config.seatGraceMs / 1000} s`,
  );
  if (config.trustProxy.any) {
    lines.push(
      `  client addresses: X-Forwarded-For of connections from ${config.trustProxy.describe()} ` +
        "(TRUST_PROXY); everyone else's own",
    );
  }
  lines.push(`  rooms: ${report.rooms}`);
  lines.push(`  metrics: ${report.metrics ?? "off (METRICS_PORT=off)"}`);
  return lines.join("\n");
}

/** The ICE line: the relay (TURN) or the lack of one, STUN, and the transport policy. */
function iceLine(config: StartupReport["config"]): string {
  const urls = config.iceServers.flatMap((server) => [server.urls].flat());
  const relays = urls.filter((url) => /^turns?:/i.test(url));
  const stun = urls.filter((url) => /^stuns?:/i.test(url));
  let relay: string;
  if (config.turn) {
    relay = `${[...config.turn.urls, ...relays].join(", ")}, credentials from TURN_SECRET valid ` +
      `${config.turn.ttlSeconds} s`;
  } else if (relays.length > 0) {
    relay = `${relays.join(", ")} (from ICE_SERVERS)`;
  } else {
    relay = "none, so people behind strict routers may not connect (docs/deploy.md: coturn)";
  }
  return `relay (TURN): ${relay}; STUN: ${stun.join(", ") || "none"}; ` +
    `ICE policy: ${config.iceTransportPolicy}`;
}
