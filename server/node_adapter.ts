/**
 * Runs a web-standard `(Request) => Response` handler behind `node:http`, which Socket.IO needs.
 *
 * What cannot be made into a `Request` is answered here, before parsing, without a stack trace:
 * methods the app does not serve (TRACE, CONNECT, ...) get 405, a malformed `Host` gets 400.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ClientInfo, SECURITY_HEADERS } from "./routes.ts";

const METHODS = new Set(["GET", "HEAD", "POST"]);
/** A host name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** A `node:http` request listener that answers with `handler`. */
export function toNodeListener(
  handler: (request: Request, client: ClientInfo) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return async (req, res) => {
    // Parley's routes read no request bodies; drain whatever came.
    req.resume();
    if (!METHODS.has(req.method ?? "")) {
      return plain(res, 405, "Method not allowed", { allow: "GET, HEAD, POST" });
    }
    const host = req.headers.host ?? "localhost";
    if (!HOST.test(host) || !(req.url ?? "/").startsWith("/")) {
      return plain(res, 400, "Bad request");
    }
    try {
      const url = new URL(req.url ?? "/", `http://${host}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) { for (const v of value) headers.append(name, v); }
      }
      const response = await handler(
        new Request(url, { method: req.method, headers }),
        { address: req.socket.remoteAddress ?? "unknown" },
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (req.method === "HEAD" || response.body === null) {
        res.end();
        return;
      }
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      // One short line: a client that can cause errors must not be able to flood the log.
      console.error(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) plain(res, 500, "Internal server error");
      else res.end();
    }
  };
}

function plain(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "text/plain; charset=utf-8",
    ...headers,
  });
  res.end(body);
}
