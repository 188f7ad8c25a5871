/**
 * Runs a web-standard `(Request) => Response` handler behind `node:http`, which Socket.IO needs.
 *
 * What cannot be made into a `Request` is answered here, before anything else reads it, without a
 * stack trace: more than {@linkcode MAX_HEADERS} headers get 431, methods the app does not serve
 * (TRACE, CONNECT, ...) 405, a malformed `Host` 400, a client over its connection allowance 429.
 * The `Request` carries only the few headers the routes read, so a request's cost does not grow
 * with the headers it brings (a copy of 2,000 of them cost 100 ms and more).
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ClientInfo, SECURITY_HEADERS } from "./routes.ts";
import { log } from "./log.ts";

/** Most header lines a request may carry (a browser sends about 20; proxies add a few). */
export const MAX_HEADERS = 100;
/** The request headers the routes read; no other is copied. */
const READ_HEADERS = ["accept-encoding", "if-none-match"] as const;
/** HTTPS responses tell the browser to come back over HTTPS only, for a year. */
export const HSTS = { "strict-transport-security": "max-age=31536000" };

const METHODS = new Set(["GET", "HEAD", "POST"]);
/** A host name or IPv4 address, or a bracketed IPv6 address, and an optional port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** Options for {@linkcode toNodeListener}. */
export interface NodeListenerOptions {
  /** The client's address (its own, or what a trusted proxy says it is). */
  clientAddress(req: IncomingMessage): string;
  /** Whether the client may go on (connection allowance); default: always. */
  admit?(req: IncomingMessage): boolean;
  /** Served over TLS: every response carries HSTS. */
  tls?: boolean;
}

/** Why a request cannot be handled (status and text), or null when it can. */
export function refusal(req: IncomingMessage): { status: number; text: string } | null {
  if (req.rawHeaders.length > MAX_HEADERS * 2) {
    return { status: 431, text: "Too many request headers" };
  }
  if (!METHODS.has(req.method ?? "")) return { status: 405, text: "Method not allowed" };
  if (requestUrl(req) === null) return { status: 400, text: "Bad request" };
  return null;
}

/** A `node:http` request listener that answers with `handler`. */
export function toNodeListener(
  handler: (request: Request, client: ClientInfo) => Response | Promise<Response>,
  options: NodeListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const always = options.tls ? HSTS : {};
  return async (req, res) => {
    // Parley's routes read no request bodies; drain whatever came.
    req.resume();
    const refused = refusal(req);
    if (refused) {
      const allow: Record<string, string> = refused.status === 405
        ? { allow: "GET, HEAD, POST" }
        : {};
      return plain(res, refused.status, refused.text, { ...always, ...allow });
    }
    if (options.admit && !options.admit(req)) {
      return plain(res, 429, "Too many connections from this address", {
        ...always,
        "retry-after": "60",
      });
    }
    try {
      const headers = new Headers();
      for (const name of READ_HEADERS) {
        const value = req.headers[name];
        if (typeof value === "string") headers.set(name, value);
      }
      const response = await handler(
        new Request(requestUrl(req)!, { method: req.method, headers }),
        { address: options.clientAddress(req) },
      );
      res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...always });
      if (req.method === "HEAD" || response.body === null) {
        res.end();
        return;
      }
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (error) {
      // One short line, cut and rate-limited: a client that can cause errors must not be able to
      // flood the log.
      log("error", "request.failed", { error: String((error as Error)?.message ?? error) });
      if (!res.headersSent) plain(res, 500, "Internal server error", always);
      else res.end();
    }
  };
}

/**
 * The request's URL, or null when its target or `Host` is not one Parley serves. The target must
 * be a path (`//x/metrics` is a path, not another host).
 */
function requestUrl(req: IncomingMessage): URL | null {
  const host = req.headers.host ?? "localhost";
  const target = req.url ?? "/";
  if (!HOST.test(host) || !target.startsWith("/")) return null;
  try {
    const url = new URL(`http://${host}${target}`);
    return url.host.length > 0 ? url : null;
  } catch {
    return null;
  }
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
