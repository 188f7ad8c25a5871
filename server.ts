/**
 * Parley's server: one process, one port, serving the app and relaying signaling.
 *
 * `deno task start` (server/start.ts) runs this with network, environment and read access only
 * (plus the list of network interfaces, for the startup lines, and `prlimit`, to read the
 * open-file limit); with `TLS_CERT_FILE` and `TLS_KEY_FILE` the same port serves HTTPS and WSS. It
 * serves the site the build wrote into dist/ and refuses to start, saying what to run, when that
 * is missing or stale. Configuration in docs/configuration.md.
 *
 * @module
 */
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { attachCheck } from "./server/check.ts";
import { ClientLimits } from "./server/client_limits.ts";
import { readCertificates, watchCertificates } from "./server/certificates.ts";
import { loadConfig } from "./server/config.ts";
import { connectionCap, guardConnections, readOpenFileLimit } from "./server/connection_guard.ts";
import { interfaceAddresses, listenUrls } from "./server/listen_addresses.ts";
import { closeSlowHeaders } from "./server/header_timeout.ts";
import { refusal, toNodeListener } from "./server/node_adapter.ts";
import { addressKey } from "./server/rate_limit.ts";
import { roomIds, roomSecret } from "./server/room_ids.ts";
import { createHandler } from "./server/routes.ts";
import { startSelfCheck } from "./server/self_check.ts";
import { attachSignaling, type Signaling } from "./server/signaling.ts";
import { loadSite, SiteNotBuilt } from "./server/site.ts";
import { listenFailure, orRefuse, refuseToStart, startupLines } from "./server/startup.ts";
import { randomToken } from "./protocol/signaling.ts";
import { notReady } from "./server/health.ts";
import { log } from "./server/log.ts";
import { createMetrics, serveMetrics } from "./server/metrics.ts";
import { connectRedis } from "./server/redis_cluster.ts";

// A bad setting, certificate or port ends the start in one line (`Parley: …`), exit code 1.
const config = orRefuse(() => loadConfig((name) => Deno.env.get(name)));
const certificates = config.tls ? await orRefuse(() => readCertificates(config.tls!)) : null;
const limits = new ClientLimits(config.limits);
const ids = roomIds(roomSecret(config.roomSecret ?? "", config.turn?.secret ?? null));

const site = await loadSite({ dev: config.dev }).catch((error) => {
  if (!(error instanceof SiteNotBuilt)) throw error;
  refuseToStart(`${error.message}, then start again.`);
});
// Many instances share rooms through Redis when REDIS_URL is set; otherwise rooms stay in memory.
const instance = randomToken(9);
const redis = config.redisUrl
  ? await connectRedis(config.redisUrl, { instance, graceMs: config.seatGraceMs })
  : null;
if (redis?.refusal) {
  console.error(`Parley: ${redis.refusal}.`);
  Deno.exit(1);
}
const metrics = createMetrics({
  store: redis ? "redis" : "memory",
  rooms: () => signaling.store.roomCount(),
  ready: () => signaling.store.problem() === null,
});
const proxies = config.trustProxy;
const listener = toNodeListener(
  createHandler({
    site,
    mintRoomId: ids.mint,
    maxRoomSize: config.maxRoomSize,
    newRoomWait: (address) => limits.newRoom(addressKey(address)),
    notReady: () => notReady(signaling),
  }),
  {
    clientAddress: (req) =>
      proxies.clientOf(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    admit: (req) => guard.admit(req),
    tls: config.tls !== null,
  },
);
// With a certificate the same port speaks HTTPS, and Socket.IO's WebSocket becomes WSS; a renewed
// certificate is picked up for new connections.
const https = certificates
  ? createHttpsServer({ cert: certificates.cert, key: certificates.key }, listener)
  : null;
if (https && config.tls) watchCertificates(https, config.tls);
const http = https ?? createServer(listener);
const fileLimit = readOpenFileLimit();
const cap = connectionCap(config.limits.maxConnections, fileLimit);
const guard = guardConnections(http, { cap, limits: config.limits, proxies });
closeSlowHeaders(http, { tls: config.tls !== null });
const signaling: Signaling = attachSignaling(http, config, {
  roomIds: ids,
  limits,
  metrics,
  store: redis?.store,
  adapter: redis?.adapter,
  // An upgrade passes the same door as any request.
  refuse: (req) => refusal(req)?.text ?? (guard.admit(req) ? null : "Too many connections"),
});
attachCheck(signaling.io, config);

const refuseListen = (error: unknown) =>
  refuseToStart(listenFailure(error, config.host, config.port));
http.once("error", refuseListen);
http.listen(config.port, config.host, () => {
  http.off("error", refuseListen);
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  // Metrics on a listener of their own (loopback by default), never on the public port.
  const metricsUrl = config.metrics &&
    orRefuse(() => serveMetrics(metrics.registry, config.metrics!)).url;
  // One write, so whoever waits for the listen line has the rest with it.
  console.log(startupLines({
    urls: listenUrls(config.host, port, interfaceAddresses(), config.tls ? "https" : "http"),
    certificates,
    config,
    cap,
    fileLimit,
    rooms: redis ? `on Redis, instance ${instance}` : "in memory (one instance)",
    metrics: metricsUrl,
  }));
  if (config.limits.selfCheckMs > 0) {
    startSelfCheck({
      host: config.host,
      port,
      intervalMs: config.limits.selfCheckMs,
      onDead: (reason) => {
        console.error(`Parley stopped accepting connections (${reason}); exiting to be restarted`);
        Deno.exit(70);
      },
    });
  }
});

// SIGTERM: stop taking connections, tell clients to move (they reconnect through the load
// balancer and take their seats back elsewhere), exit once they have gone or the grace is over.
let stopping = 0;
async function shutdown() {
  // A second signal within a second is the first one again (a terminal signals the whole process
  // group, and the start task passes it on too); a later one means "now".
  if (stopping) {
    if (Date.now() - stopping > 1000) Deno.exit(0);
    return;
  }
  stopping = Date.now();
  http.close();
  const { left } = await signaling.drain(config.shutdownGraceMs);
  log("info", "drain.done", { left });
  await signaling.close();
  await redis?.close();
  signaling.io.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
// A promise nobody waited for (a Redis command during an outage) must not end every call.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  log("error", "unhandled.rejection", { error: String(event.reason?.message ?? event.reason) });
});
