/**
 * How a file of the built site is answered: compressed as the browser accepts (brotli, gzip),
 * cached forever when its name carries its hash, revalidated with an ETag otherwise.
 *
 * @module
 */
import { type Asset, type Encoding, ENCODINGS } from "./site.ts";

/** Cache-Control of files whose name carries their hash: a new build is a new name. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** Cache-Control of everything else: keep it, but ask (If-None-Match) before using it. */
export const REVALIDATE = "no-cache";

/** What to send for a file: status, headers and body (null for a 304). */
export interface AssetReply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
}

/** Options for {@linkcode serveAsset}. */
export interface ServeAssetOptions {
  /** Status of a full answer; default 200. Only a 200 carries an ETag and can become a 304. */
  status?: number;
}

/**
 * The answer to `request` for `asset`: its brotli or gzip variant when the request's
 * Accept-Encoding takes one (the file as it is otherwise), and a 304 without a body when the
 * request's If-None-Match already names that variant.
 */
export function serveAsset(
  request: Request,
  asset: Asset,
  options: ServeAssetOptions = {},
): AssetReply {
  const status = options.status ?? 200;
  const available = ENCODINGS.filter((encoding) => asset.encoded[encoding]);
  const encoding = negotiateEncoding(request.headers.get("accept-encoding"), available);
  const body = encoding ? asset.encoded[encoding]! : asset.body;
  const headers: Record<string, string> = {
    "cache-control": asset.immutable ? IMMUTABLE : REVALIDATE,
  };
  // Caches must keep the variants apart, and an ETag names one variant (its bytes).
  if (available.length > 0) headers["vary"] = "Accept-Encoding";
  if (status === 200) {
    headers["etag"] = `"${asset.hash}${encoding ? `-${encoding}` : ""}"`;
    if (matches(request.headers.get("if-none-match"), headers["etag"])) {
      return { status: 304, headers, body: null };
    }
  }
  headers["content-type"] = asset.type;
  headers["content-length"] = String(body.byteLength);
  if (encoding) headers["content-encoding"] = encoding;
  return { status, headers, body };
}

/**
 * The best of `available` that an Accept-Encoding header takes (q > 0; brotli before gzip when
 * both are as welcome), or null for the file as it is. `*` counts for any encoding not named.
 */
export function negotiateEncoding(
  header: string | null,
  available: readonly Encoding[],
): Encoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.toLowerCase().split(",")) {
    const [name, ...params] = part.split(";").map((s) => s.trim());
    if (!name) continue;
    let weight = 1;
    for (const param of params) {
      const q = /^q=([0-9.]+)$/.exec(param.replace(/\s+/g, ""));
      if (q) weight = Number(q[1]);
    }
    weights.set(name, Number.isFinite(weight) ? weight : 0);
  }
  let best: Encoding | null = null;
  let bestWeight = 0;
  for (const encoding of ENCODINGS) {
    if (!available.includes(encoding)) continue;
    const weight = weights.get(encoding) ??
      (encoding === "gzip" ? weights.get("x-gzip") : undefined) ?? weights.get("*") ?? 0;
    if (weight > bestWeight) {
      best = encoding;
      bestWeight = weight;
    }
  }
  return best;
}

/** Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks), or is `*`. */
function matches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || tag.replace(/^W\//, "") === etag;
  });
}
