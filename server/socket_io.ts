/**
 * The Socket.IO server Parley's signaling runs on, and what it refuses before any event handler
 * sees a message: other origins (signaling_checks.ts), what the HTTP door refuses (too many
 * headers, a bad Host, a client over its connection allowance), long-polling (WebSocket only),
 * binary packets (JSON only, json_only_parser.ts), and a client that keeps leaving and joining
 * the namespace on one connection.
 *
 * @module
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "../protocol/signaling.ts";
import type { ClientLimits } from "./client_limits.ts";
import type { Config } from "./config.ts";
import { dropBinarySenders, type EngineConnection, jsonOnlyParser } from "./json_only_parser.ts";
import { originAllowed } from "./signaling_checks.ts";

/** Parley's Socket.IO server on `httpServer`. */
export type ParleyIo = Server<ClientToServerEvents, ServerToClientEvents>;

/** Options for {@linkcode createIo}. */
export interface IoOptions {
  limits: ClientLimits;
  /** Why the HTTP request opening a connection is refused, or null (server/node_adapter.ts). */
  refuse?: (req: IncomingMessage) => string | null;
  /** Socket.IO adapter carrying messages between instances (Redis); default: this process. */
  adapter?: ServerOptions["adapter"];
}

const connectionIds = new WeakMap<object, string>();
let connections = 0;

/**
 * A name for a transport connection (an Engine.IO socket: one WebSocket), the same for every
 * namespace socket on it: what per-connection limits count.
 */
export function connectionId(conn: object): string {
  let id = connectionIds.get(conn);
  if (id === undefined) {
    id = `c${++connections}`;
    connectionIds.set(conn, id);
  }
  return id;
}

/** Makes the Socket.IO server; per-connection limits are forgotten when the WebSocket closes. */
export function createIo(
  httpServer: HttpServer,
  config: Pick<Config, "pingIntervalMs" | "pingTimeoutMs" | "allowedOrigins">,
  options: IoOptions,
): ParleyIo {
  const { limits } = options;
  const io: ParleyIo = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 128 * 1024,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    cors: undefined,
    // WebSocket only: no long-polling buffers to fill, no JSONP. The client uses nothing else.
    transports: ["websocket"],
    parser: jsonOnlyParser,
    // A connection that never says which namespace it wants is dropped after 10 s, not 45.
    connectTimeout: 10_000,
    allowRequest: (req, callback) => {
      if (!originAllowed(req, config.allowedOrigins)) {
        return callback("This origin may not use this server's signaling.", false);
      }
      const refused = options.refuse?.(req) ?? null;
      callback(refused, refused === null);
    },
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  io.engine.on(
    "connection",
    (conn: EngineConnection & { once(e: "close", f: () => void): void }) => {
      dropBinarySenders(conn);
      conn.once("close", () => limits.forget(connectionId(conn)));
    },
  );
  io.use((socket, next) => {
    const wait = limits.namespaceConnect(connectionId(socket.conn));
    if (wait > 0) return next(new Error("Too many namespace connections; open a new one."));
    next();
  });
  return io;
}
