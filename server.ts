/**
 * Parley's server: one process, one port, serving the app and relaying signaling.
 *
 * `deno task start` runs this with network, environment and read access only (and the list of
 * network interfaces, for the startup line); it serves the site `deno task build` wrote into
 * dist/ and refuses to start, saying what to run, when that is missing or stale. Configuration in
 * README.md ("Configuration").
 *
 * @module
 */
import { createServer } from "node:http";
import { loadConfig } from "./server/config.ts";
import { interfaceAddresses, listenLines, listenUrls } from "./server/listen_addresses.ts";
import { toNodeListener } from "./server/node_adapter.ts";
import { createHandler } from "./server/routes.ts";
import { attachSignaling } from "./server/signaling.ts";
import { loadSite, SiteNotBuilt } from "./server/site.ts";

const config = loadConfig((name) => Deno.env.get(name));

const site = await loadSite({ dev: config.dev }).catch((error) => {
  if (!(error instanceof SiteNotBuilt)) throw error;
  console.error(`Parley: ${error.message}, then start again.`);
  Deno.exit(1);
});
const http = createServer(toNodeListener(createHandler({ site })));
const { io, rooms } = attachSignaling(http, config);

http.listen(config.port, config.host, () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  console.log(listenLines(listenUrls(config.host, port, interfaceAddresses())).join("\n"));
});

function shutdown() {
  rooms.close();
  io.close();
  http.close(() => Deno.exit(0));
  setTimeout(() => Deno.exit(0), 1000).unref?.();
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
