/**
 * Parley's HTTP routes as one plain `(Request) => Promise<Response>` handler.
 *
 * @module
 */
import { isRoomId, newRoomId } from "../protocol/signaling.ts";
import { readStatic } from "./static_files.ts";

/** Headers on every response: no inline script can run, no room link leaks as a referrer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'self'",
    "script-src 'self'",
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
  /** Folder the static app is served from. */
  staticDir: string;
}

/** The HTTP handler: landing page, new rooms, room pages, static assets, health. */
export function createHandler(
  options: HandlerOptions,
): (request: Request) => Response | Promise<Response> {
  const { staticDir } = options;
  const file = async (path: string, status = 200, extra: Record<string, string> = {}) => {
    const found = await readStatic(staticDir, path);
    if (!found) return text(404, "Not found");
    return respond(found.body, status, {
      "content-type": found.type,
      "cache-control": "no-cache",
      ...extra,
    });
  };

  return (request) => {
    const url = new URL(request.url);
    const { pathname } = url;
    if (request.method === "POST" && pathname === "/new") {
      return respond(null, 303, { location: `/r/${newRoomId()}` });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Method not allowed", { allow: "GET, HEAD, POST" });
    }
    if (pathname === "/") return file("/index.html");
    if (pathname === "/healthz") return text(200, "ok");
    if (pathname === "/check") return file("/check.html");
    if (pathname.startsWith("/r/")) {
      const id = pathname.slice(3);
      if (!isRoomId(id)) return file("/not_found.html", 404);
      return file("/room.html");
    }
    if (pathname.endsWith(".html")) return text(404, "Not found");
    return file(pathname);
  };
}

function respond(
  body: BodyInit | null,
  status: number,
  headers: Record<string, string>,
): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return respond(body, status, { "content-type": "text/plain; charset=utf-8", ...headers });
}
