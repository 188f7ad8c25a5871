/**
 * Parley's server: one process, one port, serving the app and relaying signaling.
 *
 * `deno task start` builds the client bundle when it is stale (server/build.ts), then runs this
 * with network, environment and read access only; configuration in README.md ("Configuration").
 *
 * @module
 */
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { ClientLimits } from "./server/client_limits.ts";
import { loadConfig } from "./server/config.ts";
import { connectionCap, guardConnections, readOpenFileLimit } from "./server/connection_guard.ts";
import { toNodeListener } from "./server/node_adapter.ts";
import { addressKey } from "./server/rate_limit.ts";
import { roomIds, roomSecret } from "./server/room_ids.ts";
import { createHandler } from "./server/routes.ts";
import { startSelfCheck } from "./server/self_check.ts";
import { attachSignaling } from "./server/signaling.ts";

const config = loadConfig((name) => Deno.env.get(name));
const limits = new ClientLimits(config.limits);
const ids = roomIds(roomSecret(config.roomSecret ?? "", config.turn?.secret ?? null));

const staticDir = fileURLToPath(new URL("./static/", import.meta.url));
const http = createServer(toNodeListener(createHandler({
  staticDir,
  mintRoomId: ids.mint,
  newRoomWait: (address) => limits.newRoom(addressKey(address)),
})));
const fileLimit = readOpenFileLimit();
const cap = connectionCap(config.limits.maxConnections, fileLimit);
guardConnections(http, { cap, limits: config.limits });
const signaling = attachSignaling(http, config, { roomIds: ids, limits });

http.listen(config.port, config.host, () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shown = config.host === "0.0.0.0" ? "localhost" : config.host;
  const files = fileLimit === null ? "unknown" : String(fileLimit);
  console.log(
    `Parley listening on http://${shown}:${port}/ (connections: at most ${cap ?? "unlimited"}, ` +
      `${
        config.limits.connectionsPerAddress || "unlimited"
      } per address; open-file limit ${files})`,
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
