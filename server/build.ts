/**
 * Builds the site into dist/ (`deno task build`): the client bundled with esbuild under hashed
 * names (`app-<hash>.js`, `chunks/<name>-<hash>.js`), the pages from static/ with their script tags
 * pointing at those names and module preloads for what they import at start, the other files of
 * static/ as they are, each precompressed with brotli and gzip, and a manifest the server loads
 * (server/site.ts). Source maps only with `--dev` (`deno task dev`).
 *
 * @module
 */
import * as esbuild from "esbuild";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
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

/**
 * The pages' scripts: `<script type="module" src="/app.js">` in static/*.html is this entry.
 * `inspector` and `call` are the room page's lazy bundles, built first so that the page learns
 * where they went (`PARLEY_INSPECTOR_URL`, `PARLEY_CALL_URL`). Each build is on its own: the
 * room page's first visit fetches one script, and what the call's bundle shares with it is a copy
 * (see {@linkcode SHARED_COPIES}).
 */
const ENTRIES: Readonly<Record<string, string>> = {
  inspector: "client/inspector.ts",
  call: "client/page/call_chunk.ts",
  app: "client/main.ts",
  check: "client/check/check.ts",
  landing: "client/landing.ts",
};
/**
 * The modules both the room page's bundle and the call's may hold, each its own copy: they keep
 * no state of their own (no module-level variable a second copy would not see), so two copies
 * behave as one. The build refuses any other module in both: a stateful module copied would
 * split its state in two without a word (and a library copied would weigh twice).
 */
const SHARED_COPIES: readonly RegExp[] = [
  /^client\/ui\/(dom|icons|theme)\.ts$/,
  /^client\/page\/(media_switches|shortcuts|call_view|call_words)\.ts$/,
  /^client\/presence\/name\.ts$/,
  /^client\/adaptation\/data_saver\.ts$/,
  /^client\/verification\/fingerprints\.ts$/,
  /^client\/effects\/(peer_setup|voice_first)\.ts$/,
  /^machines\/call_types\.ts$/,
  /^protocol\/signaling\.ts$/,
  // Icons are data.
  /node_modules\/.*lucide\/dist\/esm\//,
];

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
};
/** Types worth compressing (images like png are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/json|image\/svg)/;

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
  const bundle = await bundleClient(root, options.dev);
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

/** The client bundle: its files by URL path, and each entry's file and static imports. */
interface Bundle {
  outputs: Map<string, Uint8Array<ArrayBuffer>>;
  /** Entry name → its URL path and the URL paths it imports at start, transitively. */
  entries: Map<string, { path: string; imports: string[] }>;
}

/**
 * The client speaks WebSocket only, as the server does (`transports: ["websocket"]`): its bundle
 * leaves out engine.io-client's long-polling (whose XHR module runs code as it loads, so it stays
 * unless left out here) and WebTransport, which nothing would ever use. Its index exports only
 * what socket.io-client takes from it; the transports it re-exports are left undefined.
 */
const webSocketOnly: esbuild.Plugin = {
  name: "websocket-only",
  setup(build) {
    build.onLoad(
      { filter: /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/]index\.js$/ },
      () => ({
        contents:
          `import { WS } from "./websocket.js";\nexport const transports = { websocket: WS };\n`,
        loader: "js",
      }),
    );
    // engine.io-client's index still names the long-polling and WebTransport transports, and
    // their modules have top-level code, so tree shaking keeps them (about 1 KB compressed).
    // Nothing constructs them: each becomes an empty class of the same name.
    build.onLoad(
      {
        filter:
          /engine\.io-client[\\/]build[\\/]esm[\\/]transports[\\/](polling-xhr|polling-fetch|webtransport)\.js$/,
      },
      (args) => ({
        contents: args.path.includes("webtransport")
          ? "export class WT {}\n"
          : args.path.includes("fetch")
          ? "export class Fetch {}\n"
          : "export class XHR {}\n",
        loader: "js",
      }),
    );
    build.onLoad({ filter: /engine\.io-client[\\/]build[\\/]esm[\\/]index\.js$/ }, () => ({
      contents: [
        `export { Socket } from "./socket.js";`,
        `export { installTimerFunctions } from "./util.js";`,
        `export { parse } from "./contrib/parseuri.js";`,
        `export { nextTick } from "./globals.node.js";`,
        `export const Fetch = undefined, NodeXHR = undefined, XHR = undefined,`,
        `  NodeWebSocket = undefined, WebSocket = undefined, WebTransport = undefined;`,
      ].join("\n"),
      loader: "js",
    }));
  },
};

/**
 * Parley's signaling is JSON only (no Socket.IO event carries binary data, and the server never
 * sends any): the client's bundle leaves out socket.io-parser's binary packets. A binary frame
 * would be refused as unknown, as any malformed one is.
 */
const jsonOnly: esbuild.Plugin = {
  name: "json-only",
  setup(build) {
    build.onLoad({ filter: /socket\.io-parser[\\/]build[\\/]esm[\\/]is-binary\.js$/ }, () => ({
      contents: `export const isBinary = () => false;\nexport const hasBinary = () => false;\n`,
      loader: "js",
    }));
    build.onLoad({ filter: /socket\.io-parser[\\/]build[\\/]esm[\\/]binary\.js$/ }, () => ({
      contents: [
        `export const deconstructPacket = (packet) => ({ packet, buffers: [] });`,
        `export const reconstructPacket = (packet) => packet;`,
      ].join("\n"),
      loader: "js",
    }));
  },
};

async function bundleClient(root: string, dev: boolean): Promise<Bundle> {
  const outdir = `${root}${DIST}`;
  const outputs = new Map<string, Uint8Array<ArrayBuffer>>();
  const entries = new Map<string, { path: string; imports: string[] }>();
  const urlPath = (path: string) => path.slice(outdir.length);
  const modules = new Map<string, Set<string>>();
  try {
    // One build per page: a page's first load then shares no chunk with another page's, and
    // fetches its entry and the few chunks it needs at once, nothing split off for the other.
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const result = await esbuild.build({
        absWorkingDir: root,
        entryPoints: { [name]: root + entry },
        outdir,
        write: false,
        // The name carries the hash of the content (and of what it imports), so a file can be
        // cached forever: a new build is a new name.
        entryNames: "[name]-[hash]",
        // Code loaded with `import()` (the `?inspect` inspector, panels opened later) and what
        // it shares with the entry go to chunks/, fetched only when needed.
        splitting: true,
        chunkNames: "chunks/[name]-[hash]",
        metafile: true,
        bundle: true,
        plugins: [webSocketOnly, jsonOnly],
        format: "esm",
        platform: "browser",
        target: ["es2022", "chrome110", "firefox115", "safari16"],
        minify: true,
        sourcemap: dev ? "linked" : false,
        legalComments: "none",
        charset: "utf8",
        logLevel: "warning",
        define: {
          PARLEY_INSPECTOR_URL: JSON.stringify(entries.get("inspector")?.path ?? ""),
          PARLEY_CALL_URL: JSON.stringify(entries.get("call")?.path ?? ""),
        },
      });
      modules.set(name, bundledModules(result.metafile));
      for (const output of result.outputFiles) {
        outputs.set(urlPath(output.path), new Uint8Array(output.contents));
      }
      // The metafile names outputs relative to absWorkingDir.
      const meta = result.metafile.outputs;
      const staticImports = (output: string, seen: Set<string>) => {
        for (const imported of meta[output].imports) {
          if (imported.kind !== "import-statement" || seen.has(imported.path)) continue;
          seen.add(imported.path);
          staticImports(imported.path, seen);
        }
        return seen;
      };
      for (const [output, info] of Object.entries(meta)) {
        if (info.entryPoint !== entry) continue;
        const imports = [...staticImports(output, new Set())].map((p) => urlPath(`${root}${p}`));
        entries.set(name, { path: urlPath(`${root}${output}`), imports });
      }
    }
    checkCopies(modules.get("app")!, modules.get("call")!);
    return { outputs, entries };
  } finally {
    await esbuild.stop();
  }
}

/** The source modules that made it into a build's outputs. */
function bundledModules(metafile: esbuild.Metafile): Set<string> {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      if (input.bytesInOutput > 0) found.add(path);
    }
  }
  return found;
}

/** Throws when the room page's bundle and the call's share a module not in SHARED_COPIES. */
function checkCopies(app: Set<string>, call: Set<string>): void {
  const copied = [...call].filter((path) =>
    app.has(path) && !SHARED_COPIES.some((ok) => ok.test(path))
  );
  if (copied.length > 0) {
    throw new Error(
      `the call's bundle copies modules of the page's that keep state or weigh: ${
        copied.join(", ")
      } (pass them from the page, or list them in SHARED_COPIES if they keep no state)`,
    );
  }
}

/**
 * A style sheet with its `@import`s of parts (static/call/, static/style/) inlined, so the browser
 * fetches one file; without its comments and spaces unless `minify` is false (development).
 */
async function bundleCss(path: string, minify: boolean): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const result = await esbuild.build({
      entryPoints: [path],
      bundle: true,
      write: false,
      minify,
      logLevel: "silent",
      target: ["chrome110", "firefox115", "safari16"],
    });
    return new Uint8Array(result.outputFiles[0].contents);
  } finally {
    await esbuild.stop();
  }
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
  const encoded: BuiltFile["encoded"] = {};
  if (COMPRESSIBLE.test(type)) {
    const br = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
      },
    });
    const gzip = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
    // A variant that saves nothing is not worth a Vary'd cache entry.
    if (br.byteLength < body.byteLength) encoded.br = new Uint8Array(br);
    if (gzip.byteLength < body.byteLength) encoded.gzip = new Uint8Array(gzip);
  }
  return { body, type, immutable, encoded };
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
