/**
 * The built site: what `deno task build` writes into dist/ (server/build.ts), and how the server
 * loads it into memory at start, refusing a bundle that is missing or older than its sources.
 *
 * The server only reads: building is a separate step, so a read-only deployment (a container
 * image, a package) works, and every request is answered from memory.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

/** The project root (where deno.json lives). */
export const ROOT_DIR: string = fileURLToPath(new URL("../", import.meta.url));
/** Where `deno task build` writes the site, relative to the project root. */
export const DIST = "dist";
/** The folder of the built site, absolute, with a trailing slash. */
export const DIST_DIR: string = `${ROOT_DIR}${DIST}/`;
/** The file in dist/ that lists the site's files and what they were built from. */
export const MANIFEST_FILE = "manifest.json";

/**
 * What the built site is made from, relative to the project root: the client and what it imports,
 * the page templates, the build itself and the pinned dependencies (which pin the package files it
 * copies). A change to any of them makes dist/ stale.
 */
export const SOURCES: readonly string[] = [
  "client",
  "machines",
  "protocol",
  "static",
  "server/build.ts",
  "server/bundle.ts",
  "server/compress.ts",
  "server/package_assets.ts",
  "deno.app.json",
  "deno.app.lock",
];

/** Content encodings the build precompresses into, best first. */
export const ENCODINGS = ["br", "gzip"] as const;
/** A content encoding Parley serves besides the file as it is. */
export type Encoding = typeof ENCODINGS[number];
/** File suffix of each precompressed variant in dist/. */
export const ENCODING_SUFFIX: Readonly<Record<Encoding, string>> = { br: ".br", gzip: ".gz" };

/** One file of the site, as the manifest lists it. */
export interface ManifestEntry {
  /** Content-Type to serve it with. */
  type: string;
  /** Hash of its bytes (unquoted); the ETag is derived from it. */
  hash: string;
  /** Its name carries its hash (bundles and chunks): cacheable forever. */
  immutable: boolean;
  /** The precompressed variants written beside it (only those smaller than the file). */
  encodings: Encoding[];
}

/** dist/manifest.json. */
export interface Manifest {
  /** Hash of every file in {@linkcode SOURCES} at build time. */
  sources: string;
  /** Built for development: with source maps (`deno task dev`). */
  dev: boolean;
  /** Every file of the site by URL path (`/app-HASH.js`, `/room.html`). */
  files: Record<string, ManifestEntry>;
}

/** One file of the site in memory, with its precompressed variants. */
export interface Asset extends ManifestEntry {
  body: Uint8Array<ArrayBuffer>;
  encoded: Partial<Record<Encoding, Uint8Array<ArrayBuffer>>>;
}

/** The whole site in memory, by URL path. */
export interface Site {
  dev: boolean;
  files: ReadonlyMap<string, Asset>;
}

/** dist/ is missing, incomplete, stale or built for the other mode; the message says what to run. */
export class SiteNotBuilt extends Error {
  override name = "SiteNotBuilt";
  /** What is wrong with dist/, without what to run (e.g. `older than its sources`). */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Options for {@linkcode loadSite}. */
export interface LoadSiteOptions {
  /** Whether the server runs for development (`PARLEY_DEV=1`): the build must match. */
  dev: boolean;
  /** The built site's folder; default {@linkcode DIST_DIR}. */
  dir?: string;
  /** The project root the sources are read from; default {@linkcode ROOT_DIR}. */
  root?: string;
}

/**
 * Reads the built site into memory. Throws {@linkcode SiteNotBuilt} with a one-line instruction
 * when dist/ is missing, stale (a source changed since it was built) or built for the other mode.
 */
export async function loadSite(options: LoadSiteOptions): Promise<Site> {
  const dir = options.dir ?? DIST_DIR;
  const manifest = await readManifest(options);
  const build = options.dev ? "deno task dev" : "deno task build";
  const files = new Map<string, Asset>();
  for (const [path, entry] of Object.entries(manifest.files)) {
    try {
      const encoded: Asset["encoded"] = {};
      for (const encoding of entry.encodings) {
        encoded[encoding] = await Deno.readFile(
          `${dir}${path.slice(1)}${ENCODING_SUFFIX[encoding]}`,
        );
      }
      files.set(path, { ...entry, body: await Deno.readFile(`${dir}${path.slice(1)}`), encoded });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new SiteNotBuilt(
        `incomplete: ${path} is missing`,
        `${DIST}/ is incomplete (${path} is missing): run \`${build}\``,
      );
    }
  }
  return { dev: manifest.dev, files };
}

/**
 * The manifest of the built site when it is current: built for this mode from the sources as they
 * are now. Throws {@linkcode SiteNotBuilt} otherwise.
 */
export async function readManifest(options: LoadSiteOptions): Promise<Manifest> {
  const dir = options.dir ?? DIST_DIR;
  const build = options.dev ? "deno task dev" : "deno task build";
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${dir}${MANIFEST_FILE}`));
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new SiteNotBuilt(
        `${DIST}/${MANIFEST_FILE} is unreadable`,
        `${DIST}/${MANIFEST_FILE} is unreadable: run \`${build}\``,
      );
    }
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new SiteNotBuilt(
      `no ${DIST}/${MANIFEST_FILE} yet`,
      `the client is not built (no ${DIST}/${MANIFEST_FILE}): run \`${build}\``,
    );
  }
  if (manifest.dev !== options.dev) {
    throw new SiteNotBuilt(
      manifest.dev ? "it holds a development build" : "it holds a production build",
      manifest.dev
        ? `${DIST}/ holds a development build (with source maps): run \`deno task build\``
        : `${DIST}/ holds a production build: start with \`deno task dev\` to build for development`,
    );
  }
  if (manifest.sources !== await sourceHash(options.root ?? ROOT_DIR)) {
    throw new SiteNotBuilt(
      "its sources changed",
      `the client bundle in ${DIST}/ is older than its sources: run \`${build}\``,
    );
  }
  return manifest;
}

/**
 * A hash of every file in {@linkcode SOURCES} under `root` (paths and contents, in a fixed order).
 * Contents, not modification times: a fresh clone or an image layer changes times, not code.
 */
export async function sourceHash(root: string = ROOT_DIR): Promise<string> {
  const paths: string[] = [];
  for (const source of SOURCES) {
    for await (const path of walk(root, source)) paths.push(path);
  }
  paths.sort();
  const hash = createHash("sha256");
  for (const path of paths) {
    hash.update(`${path}\0`);
    hash.update(await Deno.readFile(`${root}${path}`));
    hash.update("\0");
  }
  return hash.digest("base64url");
}

/** The files at `path` (one file, or everything under a folder), relative to `root`. */
async function* walk(root: string, path: string): AsyncGenerator<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(`${root}${path}`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (info.isFile) {
    yield path;
    return;
  }
  for await (const entry of Deno.readDir(`${root}${path}`)) {
    // Hidden files (an editor's swap file, .DS_Store) are no part of the client.
    if (entry.name.startsWith(".")) continue;
    if (entry.isFile || entry.isDirectory) yield* walk(root, `${path}/${entry.name}`);
  }
}

/** The hash the manifest records for `bytes` (SHA-256, base64url, 22 characters: 132 bits). */
export function contentHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url").slice(0, 22);
}
