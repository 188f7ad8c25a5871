/**
 * Files from static/, and only from there, with the right content type.
 *
 * @module
 */
import { extname, join, normalize, resolve, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Content type for a file name; `application/octet-stream` when unknown. */
export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
}

/**
 * The file `urlPath` names under `root`, or null when it is missing, a directory, or would leave
 * `root` (`..`, encoded slashes, absolute paths, NUL bytes).
 */
export async function readStatic(
  root: string,
  urlPath: string,
): Promise<{ body: Uint8Array<ArrayBuffer>; type: string } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\") || decoded.split("/").includes("..")) {
    return null;
  }
  const base = resolve(root);
  const path = normalize(join(base, decoded));
  if (!path.startsWith(base + sep)) return null;
  try {
    const stat = await Deno.stat(path);
    if (!stat.isFile) return null;
    return { body: await Deno.readFile(path), type: contentType(path) };
  } catch {
    return null;
  }
}
