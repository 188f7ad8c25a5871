/**
 * Slow headers (slowloris): a connection whose request head does not arrive whole within
 * {@linkcode HEADERS_TIMEOUT_MS} is closed. Deno's `node:http` has no working `headersTimeout`
 * (a client sending a header line every few seconds was held 84 s and more), so the server keeps
 * the time itself: from the connection (after the TLS handshake, which Deno bounds itself), and
 * again from the end of each response, for the next request on a kept-alive connection.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** How long a request head may take to arrive. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** Closes `http`'s connections whose request head takes longer than `timeoutMs`. */
export function closeSlowHeaders(
  http: Server,
  options: { tls: boolean; timeoutMs?: number },
): void {
  const timeoutMs = options.timeoutMs ?? HEADERS_TIMEOUT_MS;
  const timers = new WeakMap<Socket, ReturnType<typeof setTimeout>>();
  const arm = (socket: Socket) => {
    if (socket.destroyed) return;
    if (timers.has(socket)) clearTimeout(timers.get(socket));
    else socket.once("close", () => clearTimeout(timers.get(socket)));
    timers.set(socket, setTimeout(() => socket.destroy(), timeoutMs));
  };
  const disarm = (socket: Socket) => clearTimeout(timers.get(socket));
  // With TLS, requests arrive on the TLS socket, made once the handshake is done.
  http.on(options.tls ? "secureConnection" : "connection", arm);
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    disarm(req.socket);
    res.once("finish", () => arm(req.socket));
  });
  // A WebSocket's head has arrived whole; from then on its pings keep time.
  http.on("upgrade", (req: IncomingMessage) => disarm(req.socket));
}
