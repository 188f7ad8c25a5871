/**
 * The precompressed variants of a built file (build.ts): brotli at its best quality, and gzip at
 * zlib's best for the clients that take only gzip. Past {@linkcode LARGE_FILE} (the blur's
 * WebAssembly and model) brotli is at quality 9: quicker, and a little larger.
 *
 * @module
 */
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Encoding } from "./site.ts";

/** Types worth compressing (images like png are compressed already; WebAssembly and models are not). */
const COMPRESSIBLE = /^(text\/|application\/(json|wasm|octet-stream)|image\/svg)/;
/** Past this size brotli's best quality takes tens of seconds for a few percent. */
const LARGE_FILE = 1 << 20;

/** `body` (of content type `type`) compressed each way that makes it smaller. */
export function compressedVariants(
  body: Uint8Array<ArrayBuffer>,
  type: string,
): Partial<Record<Encoding, Uint8Array<ArrayBuffer>>> {
  const encoded: Partial<Record<Encoding, Uint8Array<ArrayBuffer>>> = {};
  if (!COMPRESSIBLE.test(type)) return encoded;
  const large = body.byteLength > LARGE_FILE;
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: large ? 9 : constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: /^application\/(wasm|octet-stream)/.test(type)
        ? constants.BROTLI_MODE_GENERIC
        : constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
    },
  });
  const gzip = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
  // A variant that saves nothing is not worth a Vary'd cache entry.
  if (br.byteLength < body.byteLength) encoded.br = new Uint8Array(br);
  if (gzip.byteLength < body.byteLength) encoded.gzip = new Uint8Array(gzip);
  return encoded;
}
