/**
 * Runs a web-standard `(Request) => Response` handler behind `node:http`, which Socket.IO needs.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** A `node:http` request listener that answers with `handler`. */
export function toNodeListener(
  handler: (request: Request) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") headers.set(name, value);
        else if (Array.isArray(value)) { for (const v of value) headers.append(name, v); }
      }
      // Parley's routes read no request bodies; drain whatever came.
      req.resume();
      const response = await handler(new Request(url, { method: req.method, headers }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (req.method === "HEAD" || response.body === null) {
        res.end();
        return;
      }
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      console.error("request failed:", error);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal server error");
    }
  };
}
