/**
 * Parley's HTTP routes as one plain `(Request) => Promise<Response>` handler.
 *
 * @module
 */
import { isRoomId, newRoomId } from "../protocol/signaling.ts";
import type { Site } from "./site.ts";
import { serveAsset } from "./static_files.ts";

/**
 * Headers on every response: no inline script can run, no room link leaks as a referrer.
 * WebAssembly may be compiled (`'wasm-unsafe-eval'`: noise suppression and blur), JavaScript
 * still only from this server's files.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "permissions-policy": "camera=(self), microphone=(self), display-capture=(self)",
};

/** Options for {@linkcode createHandler}. */
export interface HandlerOptions {
  /** The built site (server/site.ts `loadSite`), served from memory. */
  site: Site;
  /**
   * Makes the id of a room for `size` people that `POST /new` opens (`?size=N` asks for a group);
   * default: 128 random bits, untagged, for two.
   */
  mintRoomId?: (size: number) => string;
  /** The most people `POST /new` opens a room for (`MAX_ROOM_SIZE`); default 2. */
  maxRoomSize?: number;
  /** 0 when `address` may open another room now, else the wait in ms (answered with 429). */
  newRoomWait?: (address: string) => number;
  /** Why this instance cannot take calls now (`/readyz` answers 503 with it), or null: ready. */
  notReady?: () => string | null;
}

/** Who sent a request: the TCP peer, or the client a trusted proxy names. */
export interface ClientInfo {
  address: string;
}

/**
 * The HTTP handler: landing page, new rooms, room pages, static assets, health. Metrics are not
 * here: they have a listener of their own (server/metrics.ts), never the public port.
 */
export function createHandler(
  options: HandlerOptions,
): (request: Request, client?: ClientInfo) => Response | Promise<Response> {
  const { site, mintRoomId = newRoomId, newRoomWait = () => 0, notReady = () => null } = options;
  const maxRoomSize = options.maxRoomSize ?? 2;
  const file = (request: Request, path: string, status = 200) => {
    const asset = site.files.get(path);
    // Source maps only in development: a production build has none, and none is served even so.
    if (!asset || (path.endsWith(".map") && !site.dev)) return text(404, "Not found");
    const reply = serveAsset(request, asset, { status });
    return respond(reply.body, reply.status, reply.headers);
  };

  return (request, client) => {
    const url = new URL(request.url);
    // Guards look at the decoded path, the one a file would be read from (`/room.htm%6c`).
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return text(400, "Bad request");
    }
    if (request.method === "POST" && pathname === "/new") {
      // A group asks for its size; more than this server seats is capped to what it seats.
      const asked = url.searchParams.get("size") ?? "2";
      if (!/^[1-9]$/.test(asked) || Number(asked) < 2) {
        return text(400, "size must be a number of people from 2 up.");
      }
      const wait = newRoomWait(client?.address ?? "unknown");
      if (wait > 0) {
        return text(429, "Too many new rooms; try again in a minute.", {
          "retry-after": String(Math.ceil(wait / 1000)),
        });
      }
      const size = Math.min(Number(asked), maxRoomSize);
      return respond(null, 303, { location: `/r/${mintRoomId(size)}` });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method not allowed", { allow: "GET, HEAD, POST" });
    }
    if (pathname === "/") return file(request, "/index.html");
    if (pathname === "/healthz") return text(200, "ok");
    if (pathname === "/readyz") {
      const reason = notReady();
      return reason === null ? text(200, "ready") : text(503, `not ready: ${reason}`);
    }
    if (pathname === "/check") return file(request, "/check.html");
    if (pathname.startsWith("/r/")) {
      const id = pathname.slice(3);
      if (!isRoomId(id)) return file(request, "/not_found.html", 404);
      return file(request, "/room.html");
    }
    if (pathname.endsWith(".html")) return text(404, "Not found");
    return file(request, pathname);
  };
}

/**
 * What every response carries whatever it is; the content security and permissions policies
 * govern documents (and SVG, which can run script when opened on its own), so a script or style
 * sheet, or a 304, does not carry their half kilobyte.
 */
const EVERY_RESPONSE = {
  "x-content-type-options": SECURITY_HEADERS["x-content-type-options"],
  "referrer-policy": SECURITY_HEADERS["referrer-policy"],
};

function respond(
  body: BodyInit | null,
  status: number,
  headers: Record<string, string>,
): Response {
  const type = headers["content-type"] ?? "";
  const subresource = /^(text\/javascript|text\/css|application\/json)/.test(type);
  // A 304 updates a cached response, which keeps the headers it came with.
  const security = subresource || status === 304 ? EVERY_RESPONSE : SECURITY_HEADERS;
  return new Response(body, { status, headers: { ...security, ...headers } });
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return respond(body, status, { "content-type": "text/plain; charset=utf-8", ...headers });
}
