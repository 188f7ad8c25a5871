/**
 * Parley's server: one process, one port, serving the app and relaying signaling.
 *
 * `deno task start` builds the client bundle when it is stale (server/build.ts), then runs this
 * with network, environment and read access only; configuration in README.md ("Configuration").
 *
 * @module
 */
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { fileURLToPath } from "node:url";
import { attachCheck } from "./server/check.ts";
import { loadConfig, readTlsFiles } from "./server/config.ts";
import { toNodeListener } from "./server/node_adapter.ts";
import { createHandler } from "./server/routes.ts";
import { attachSignaling } from "./server/signaling.ts";

const config = loadConfig((name) => Deno.env.get(name));

const staticDir = fileURLToPath(new URL("./static/", import.meta.url));
const listener = toNodeListener(createHandler({ staticDir }));
// With a certificate the same port speaks HTTPS, and Socket.IO's WebSocket becomes WSS.
const http = config.tls
  ? createHttpsServer(await readTlsFiles(config.tls), listener)
  : createServer(listener);
const { io, rooms } = attachSignaling(http, config);
attachCheck(io, config);

http.listen(config.port, config.host, () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shown = config.host === "0.0.0.0" ? "localhost" : config.host;
  console.log(`Parley listening on ${config.tls ? "https" : "http"}://${shown}:${port}/`);
});

function shutdown() {
  rooms.close();
  io.close();
  http.close(() => Deno.exit(0));
  setTimeout(() => Deno.exit(0), 1000).unref?.();
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
