/**
 * Builds the site into dist/ (`deno task build`): the client bundled with esbuild under hashed
 * names (`app-<hash>.js`, `chunks/<name>-<hash>.js`), the pages from static/ with their script tags
 * pointing at those names and module preloads for what they import at start, the other files of
 * static/ as they are, the files the client takes from npm packages at run time (WebAssembly and
 * models, server/package_assets.ts), each precompressed with brotli and gzip (compress.ts), and a
 * manifest the server loads (server/site.ts). Source maps only with `--dev` (`deno task dev`).
 *
 * @module
 */
import { type Bundle, bundleClient, bundleCss } from "./bundle.ts";
import { compressedVariants } from "./compress.ts";
import { readPackageAssets } from "./package_assets.ts";
import {
  contentHash,
  DIST,
  DIST_DIR,
  type Encoding,
  ENCODING_SUFFIX,
  type Manifest,
  MANIFEST_FILE,
  readManifest,
  ROOT_DIR,
  SiteNotBuilt,
  sourceHash,
} from "./site.ts";

/** Page templates and other files served as they are. */
const STATIC = "static";
/** What earlier versions of the build wrote into static/ (see .gitignore). */
const LEGACY_OUTPUTS = ["app.js", "app.js.map"];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
  ".tflite": "application/octet-stream",
  ".binarypb": "application/octet-stream",
};

/** One file of the built site, in memory. */
export interface BuiltFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  immutable: boolean;
  encoded: Partial<Record<Encoding, Uint8Array<ArrayBuffer>>>;
}

/** The whole built site, in memory, before it is written. */
export interface BuiltSite {
  manifest: Manifest;
  /** By URL path, like the manifest. */
  files: Map<string, BuiltFile>;
}

/** Options for {@linkcode buildSite}. */
export interface BuildOptions {
  /** With source maps, for development. */
  dev: boolean;
  /** The project root; default the one this file is in. */
  root?: string;
}

/** Builds the site in memory: bundles, pages, static files, compressed variants, manifest. */
export async function buildSite(options: BuildOptions): Promise<BuiltSite> {
  const root = options.root ?? ROOT_DIR;
  const sources = await sourceHash(root);
  const files = new Map<string, BuiltFile>();
  const packaged = await readPackageAssets(root);
  for (const [path, body] of packaged.files) files.set(path, file(body, path, true));
  const bundle = await bundleClient(root, options.dev, packaged.urls);
  // Every name esbuild writes carries a hash of the content.
  for (const [path, body] of bundle.outputs) files.set(path, file(body, path, true));
  for await (const entry of Deno.readDir(`${root}${STATIC}`)) {
    // Left in static/ by builds before dist/ existed: never part of the site.
    if (!entry.isFile || LEGACY_OUTPUTS.includes(entry.name)) continue;
    const path = `/${entry.name}`;
    let body = await Deno.readFile(`${root}${STATIC}/${entry.name}`);
    if (path.endsWith(".html")) {
      body = new TextEncoder().encode(
        fillScriptTags(new TextDecoder().decode(body), bundle, `${STATIC}${path}`),
      );
    } else if (path.endsWith(".css")) {
      body = await bundleCss(`${root}${STATIC}/${entry.name}`, !options.dev);
    }
    if (files.has(path)) throw new Error(`${STATIC}${path} has the name of a bundle file`);
    files.set(path, file(body, path, false));
  }
  const manifest: Manifest = { sources, dev: options.dev, files: {} };
  for (const [path, built] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    manifest.files[path] = {
      type: built.type,
      hash: contentHash(built.body),
      immutable: built.immutable,
      encodings: Object.keys(built.encoded) as Encoding[],
    };
  }
  return { manifest, files };
}

/**
 * Writes `site` to `dir` (default dist/), replacing what was there. The manifest goes first and
 * comes back last, so a server starting meanwhile finds either no manifest (and says to build) or
 * a complete site.
 */
export async function writeSite(site: BuiltSite, dir: string = DIST_DIR): Promise<void> {
  await Deno.remove(`${dir}${MANIFEST_FILE}`).catch(ignoreNotFound);
  await Deno.remove(dir, { recursive: true }).catch(ignoreNotFound);
  for (const [path, built] of site.files) {
    const out = `${dir}${path.slice(1)}`;
    await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(out, built.body);
    for (const [encoding, body] of Object.entries(built.encoded)) {
      await Deno.writeFile(`${out}${ENCODING_SUFFIX[encoding as Encoding]}`, body);
    }
  }
  const manifest = `${dir}${MANIFEST_FILE}`;
  await Deno.writeTextFile(`${manifest}.tmp`, JSON.stringify(site.manifest, null, 2) + "\n");
  await Deno.rename(`${manifest}.tmp`, manifest);
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

/**
 * Points a page's entry scripts (`<script type="module" src="/app.js">`) at the hashed files,
 * with a `modulepreload` before each for the chunks it imports at start: the browser fetches them
 * together instead of learning about the chunk only once the entry has arrived.
 */
function fillScriptTags(html: string, bundle: Bundle, name: string): string {
  return html.replace(
    /^([ \t]*)<script\b([^>]*)\bsrc="\/([^"]+)\.js"([^>]*)><\/script>/gm,
    (_tag, indent: string, before: string, entryName: string, after: string) => {
      const entry = bundle.entries.get(entryName);
      if (!entry) throw new Error(`${name} loads /${entryName}.js, which is not a bundle entry`);
      const preloads = entry.imports.map((path) =>
        `${indent}<link rel="modulepreload" href="${path}">\n`
      );
      return `${preloads.join("")}${indent}<script${before}src="${entry.path}"${after}></script>`;
    },
  );
}

function file(body: Uint8Array<ArrayBuffer>, path: string, immutable: boolean): BuiltFile {
  const type = CONTENT_TYPES[path.slice(path.lastIndexOf(".")).toLowerCase()] ??
    "application/octet-stream";
  return { body, type, immutable, encoded: compressedVariants(body, type) };
}

/**
 * Why dist/ must be built for `dev`, or null when it is current (`--if-stale`, what
 * `deno task start` runs before serving).
 */
export async function staleReason(
  options: { dev: boolean; root?: string },
): Promise<string | null> {
  const root = options.root ?? ROOT_DIR;
  try {
    await readManifest({ dev: options.dev, dir: `${root}${DIST}/`, root });
    return null;
  } catch (error) {
    if (error instanceof SiteNotBuilt) return error.reason;
    throw error;
  }
}

if (import.meta.main) {
  const dev = Deno.args.includes("--dev");
  const reason = Deno.args.includes("--if-stale") ? await staleReason({ dev }) : "asked";
  if (reason === null) Deno.exit(0);
  const started = performance.now();
  try {
    const site = await buildSite({ dev });
    await writeSite(site);
  } catch (error) {
    // One line, no stack: a read-only project folder is the likely cause, and the fix is known.
    const what = error instanceof Error ? error.message : String(error);
    const readOnly = error instanceof Deno.errors.PermissionDenied ||
      /read-only|EROFS/i.test(what);
    console.error(
      `Parley: could not build the client into ${DIST}/ (${what})` +
        (readOnly ? ": build where the project can be written, then use `deno task serve`" : ""),
    );
    Deno.exit(1);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `Parley: built the client into ${DIST}/${dev ? " for development (with source maps)" : ""}` +
      ` in ${seconds} s${reason === "asked" ? "" : ` (${reason})`}`,
  );
}
