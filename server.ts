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
import { loadConfig, readTlsFiles } from "./server/config.ts";
import { connectionCap, guardConnections, readOpenFileLimit } from "./server/connection_guard.ts";
import { interfaceAddresses, listenUrls, startupLines } from "./server/listen_addresses.ts";
import { toNodeListener } from "./server/node_adapter.ts";
import { addressKey } from "./server/rate_limit.ts";
import { roomIds, roomSecret } from "./server/room_ids.ts";
import { createHandler } from "./server/routes.ts";
import { startSelfCheck } from "./server/self_check.ts";
import { attachSignaling, type Signaling } from "./server/signaling.ts";
import { loadSite, SiteNotBuilt } from "./server/site.ts";
import { randomToken } from "./protocol/signaling.ts";
import { notReady } from "./server/health.ts";
import { log } from "./server/log.ts";
import { createMetrics } from "./server/metrics.ts";
import { connectRedis } from "./server/redis_cluster.ts";

const config = loadConfig((name) => Deno.env.get(name));
const limits = new ClientLimits(config.limits);
const ids = roomIds(roomSecret(config.roomSecret ?? "", config.turn?.secret ?? null));

const site = await loadSite({ dev: config.dev }).catch((error) => {
  if (!(error instanceof SiteNotBuilt)) throw error;
  console.error(`Parley: ${error.message}, then start again.`);
  Deno.exit(1);
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
const listener = toNodeListener(createHandler({
  site,
  mintRoomId: ids.mint,
  newRoomWait: (address) => limits.newRoom(addressKey(address)),
  notReady: () => notReady(signaling),
  metrics: async () => ({
    body: await metrics.registry.metrics(),
    contentType: metrics.registry.contentType,
  }),
}));
// With a certificate the same port speaks HTTPS, and Socket.IO's WebSocket becomes WSS.
const http = config.tls
  ? createHttpsServer(await readTlsFiles(config.tls), listener)
  : createServer(listener);
const fileLimit = readOpenFileLimit();
const cap = connectionCap(config.limits.maxConnections, fileLimit);
guardConnections(http, { cap, limits: config.limits });
const signaling: Signaling = attachSignaling(http, config, {
  roomIds: ids,
  limits,
  metrics,
  store: redis?.store,
  adapter: redis?.adapter,
});
attachCheck(signaling.io, config);

http.listen(config.port, config.host, () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  // One write, so whoever waits for the listen line has the rest with it.
  console.log(startupLines({
    urls: listenUrls(config.host, port, interfaceAddresses(), config.tls ? "https" : "http"),
    cap,
    perAddress: config.limits.connectionsPerAddress,
    fileLimit,
    rooms: redis ? `on Redis, instance ${instance}` : "in memory (one instance)",
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
let stopping = false;
async function shutdown() {
  if (stopping) Deno.exit(0);
  stopping = true;
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
