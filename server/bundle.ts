/**
 * The client's bundles (esbuild): the pages' entries and the room page's lazy bundles under hashed
 * names, checked for modules copied into both the page and the call's bundle, and the style
 * sheets with their parts inlined. server/build.ts writes what they make into dist/.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { DIST } from "./site.ts";

/**
 * The pages' scripts: `<script type="module" src="/app.js">` in static/*.html is this entry.
 * `inspector` and `call` are the room page's lazy bundles, built first so that the page learns
 * where they went (`PARLEY_INSPECTOR_URL`, `PARLEY_CALL_URL`). Each build is on its own: the
 * room page's first visit fetches its script and xstate's (which the call's bundle imports too,
 * {@linkcode SHARING_XSTATE}), and what else the call's bundle shares with it is a copy (see
 * {@linkcode SHARED_COPIES}).
 */
const ENTRIES: Readonly<Record<string, string>> = {
  // What the room page and the call's chunk use of xstate, which they import from it.
  xstate: "client/xstate.ts",
  inspector: "client/inspector.ts",
  // The noise filter's AudioWorklet module and the blur's worker: loaded by URL, never imported.
  noise_worklet: "client/processing/noise_worklet.ts",
  blur_worker: "client/processing/blur_worker.ts",
  // Noise suppression and blur, loaded by the call's chunk once one is to run
  // (`PARLEY_PROCESSING_URL`, read by processing_host.ts); it learns where the two above and the
  // packages' files went (`PARLEY_ASSETS`). A bundle of its own, as the call's is.
  processing: "client/processing/processing_runner.ts",
  // After the processing's bundle: what runs the effects comes with the call's chunk.
  call: "client/page/call_chunk.ts",
  app: "client/main.ts",
  check: "client/check/check.ts",
  landing: "client/landing.ts",
};
/**
 * The builds that import xstate from its own file (the `xstate` entry, client/xstate.ts) instead
 * of bundling it: the call's chunk runs the session in the page's actor system, so both must use
 * one copy (and a copy in each would weigh twice).
 */
const SHARING_XSTATE: ReadonlySet<string> = new Set(["call", "app"]);

/** Leaves `import ... from "xstate"` to the browser, pointed at xstate's own file (`url`). */
function sharedXState(url: string): esbuild.Plugin {
  return {
    name: "shared-xstate",
    setup(build) {
      build.onResolve({ filter: /^xstate$/ }, () => ({ path: url, external: true }));
    },
  };
}

/**
 * Throws when a build imports from xstate's own file (`url`, exporting `exported`) a name it does
 * not export: the browser would refuse the whole page.
 */
function checkXStateImports(name: string, code: string, url: string, exported: string[]): void {
  for (const [, names, from] of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
    if (from !== url) continue;
    const missing = names.split(",").map((n) => n.trim().split(/\s+as\s+/)[0])
      .filter((n) => n && !exported.includes(n));
    if (missing.length > 0) {
      throw new Error(
        `the ${name} bundle uses ${missing.join(", ")} of xstate: add to client/xstate.ts`,
      );
    }
  }
}

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
  /^client\/processing\/settings\.ts$/,
  /^machines\/(media_types|effect_status)\.ts$/,
  /^protocol\/signaling\.ts$/,
  // Icons are data.
  /node_modules\/.*lucide\/dist\/esm\//,
];

/** The client bundle: its files by URL path, and each entry's file and static imports. */
export interface Bundle {
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

/**
 * Bundles each entry of {@linkcode ENTRIES}. `assets`: where the files taken from packages went
 * (package_assets.ts), by the name the client asks for; the client learns them, and where the
 * entries built before its own went, from `PARLEY_ASSETS`.
 */
export async function bundleClient(
  root: string,
  dev: boolean,
  assets: Record<string, string>,
): Promise<Bundle> {
  const outdir = `${root}${DIST}`;
  const outputs = new Map<string, Uint8Array<ArrayBuffer>>();
  const entries = new Map<string, { path: string; imports: string[] }>();
  const urlPath = (path: string) => path.slice(outdir.length);
  const modules = new Map<string, Set<string>>();
  let xstateMeta: esbuild.Metafile["outputs"] | null = null;
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
        plugins: [
          webSocketOnly,
          jsonOnly,
          ...(SHARING_XSTATE.has(name) ? [sharedXState(entries.get("xstate")!.path)] : []),
        ],
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
          PARLEY_PROCESSING_URL: JSON.stringify(entries.get("processing")?.path ?? ""),
          PARLEY_ASSETS: JSON.stringify({
            ...assets,
            "noise_worklet.js": entries.get("noise_worklet")?.path ?? "",
            "blur_worker.js": entries.get("blur_worker")?.path ?? "",
          }),
        },
      });
      modules.set(name, bundledModules(result.metafile));
      // The metafile names outputs relative to absWorkingDir.
      const meta = result.metafile.outputs;
      for (const output of result.outputFiles) {
        outputs.set(urlPath(output.path), new Uint8Array(output.contents));
        if (SHARING_XSTATE.has(name)) {
          const xstate = entries.get("xstate")!.path;
          const exported = Object.values(xstateMeta!).find((o) => o.entryPoint)!.exports;
          checkXStateImports(name, output.text, xstate, exported);
        }
      }
      // Bundled outputs by their paths in the metafile; an external (xstate's file) by its URL.
      const staticImports = (output: string, seen: Set<string>) => {
        for (const imported of meta[output].imports) {
          if (imported.kind !== "import-statement") continue;
          const path = imported.external ? imported.path : urlPath(`${root}${imported.path}`);
          if (seen.has(path)) continue;
          seen.add(path);
          if (!imported.external) staticImports(imported.path, seen);
        }
        return seen;
      };
      if (name === "xstate") xstateMeta = meta;
      for (const [output, info] of Object.entries(meta)) {
        if (info.entryPoint !== entry) continue;
        const imports = [...staticImports(output, new Set())];
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
export async function bundleCss(path: string, minify: boolean): Promise<Uint8Array<ArrayBuffer>> {
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
