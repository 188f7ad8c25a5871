/**
 * Parley's server: one process, one port, serving the app and relaying signaling.
 *
 * `deno task start` runs this with network, environment and read access only (plus the list of
 * network interfaces, for the startup line, and `prlimit`, to read the open-file limit); with
 * `TLS_CERT_FILE` and `TLS_KEY_FILE` the same port serves HTTPS and WSS. It
 * serves the site `deno task build` wrote into dist/ and refuses to start, saying what to run,
 * when that is missing or stale. Configuration in README.md ("Configuration").
 *
 * @module
 */
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { attachCheck } from "./server/check.ts";
import { ClientLimits } from "./server/client_limits.ts";
import { loadConfig, readTlsFiles } from "./server/config.ts";
import { connectionCap, guardConnections, readOpenFileLimit } from "./server/connection_guard.ts";
import { interfaceAddresses, listenLines, listenUrls } from "./server/listen_addresses.ts";
import { toNodeListener } from "./server/node_adapter.ts";
import { addressKey } from "./server/rate_limit.ts";
import { roomIds, roomSecret } from "./server/room_ids.ts";
import { createHandler } from "./server/routes.ts";
import { startSelfCheck } from "./server/self_check.ts";
import { attachSignaling } from "./server/signaling.ts";
import { loadSite, SiteNotBuilt } from "./server/site.ts";

const config = loadConfig((name) => Deno.env.get(name));
const limits = new ClientLimits(config.limits);
const ids = roomIds(roomSecret(config.roomSecret ?? "", config.turn?.secret ?? null));

const site = await loadSite({ dev: config.dev }).catch((error) => {
  if (!(error instanceof SiteNotBuilt)) throw error;
  console.error(`Parley: ${error.message}, then start again.`);
  Deno.exit(1);
});
const listener = toNodeListener(createHandler({
  site,
  mintRoomId: ids.mint,
  newRoomWait: (address) => limits.newRoom(addressKey(address)),
}));
// With a certificate the same port speaks HTTPS, and Socket.IO's WebSocket becomes WSS.
const http = config.tls
  ? createHttpsServer(await readTlsFiles(config.tls), listener)
  : createServer(listener);
const fileLimit = readOpenFileLimit();
const cap = connectionCap(config.limits.maxConnections, fileLimit);
guardConnections(http, { cap, limits: config.limits });
const signaling = attachSignaling(http, config, { roomIds: ids, limits });
attachCheck(signaling.io, config);

http.listen(config.port, config.host, () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const scheme = config.tls ? "https" : "http";
  console.log(listenLines(listenUrls(config.host, port, interfaceAddresses(), scheme)).join("\n"));
  const perAddress = config.limits.connectionsPerAddress || "unlimited";
  console.log(
    `  connections: at most ${cap ?? "unlimited"}, ${perAddress} per address; ` +
      `open-file limit ${fileLimit ?? "unknown"}`,
  );
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

function shutdown() {
  signaling.close();
  signaling.io.close();
  http.close(() => Deno.exit(0));
  setTimeout(() => Deno.exit(0), 1000).unref?.();
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
