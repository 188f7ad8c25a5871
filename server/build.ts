/**
 * Bundles the client (client/main.ts and what it imports) into static/app.js with esbuild, and
 * knows when that bundle is stale. Run directly (`deno task build`) to force a build.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** Folders whose files end up in the bundle. */
const SOURCES = ["client", "machines", "protocol"];
/** Entry points and the files they become, relative to the project root. */
const ENTRIES = { "static/app": "client/main.ts", "static/check": "client/check.ts" };
const OUTPUTS = ["static/app.js"];
/** Where the chunks that entries load go, relative to the project root. */
const CHUNKS = "static/chunks/";

/** Builds the bundle when it is missing or older than any source file. Returns whether it built. */
export async function ensureBundle(): Promise<boolean> {
  const built = await oldestMtime(OUTPUTS.map((o) => ROOT + o));
  if (built !== null && built >= await newestSourceMtime()) return false;
  await buildBundle();
  return true;
}

/** Builds the bundle unconditionally (minified, with an external source map). */
export async function buildBundle(): Promise<void> {
  try {
    const { metafile } = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(
        Object.entries(ENTRIES).map(([out, entry]) => [out, ROOT + entry]),
      ),
      outdir: ROOT,
      // Code loaded with `import()` (the `?inspect` inspector) and what it shares with app.js go
      // to static/chunks/, fetched only when needed.
      splitting: true,
      chunkNames: `${CHUNKS}[name]-[hash]`,
      metafile: true,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: ["es2022", "chrome110", "firefox115", "safari16"],
      minify: true,
      sourcemap: "linked",
      legalComments: "none",
      logLevel: "warning",
    });
    await removeStaleChunks(new Set(Object.keys(metafile.outputs)));
  } finally {
    await esbuild.stop();
  }
}

/** Deletes what earlier builds left in static/chunks/ and this one did not write. */
async function removeStaleChunks(written: Set<string>): Promise<void> {
  for await (const entry of Deno.readDir(ROOT + CHUNKS)) {
    if (!written.has(CHUNKS + entry.name)) await Deno.remove(ROOT + CHUNKS + entry.name);
  }
}

async function newestSourceMtime(): Promise<number> {
  let newest = (await Deno.stat(ROOT + "deno.json")).mtime?.getTime() ?? 0;
  for (const dir of SOURCES) {
    for await (const path of walk(ROOT + dir)) {
      newest = Math.max(newest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
    }
  }
  return newest;
}

async function oldestMtime(paths: string[]): Promise<number | null> {
  let oldest = Infinity;
  for (const path of paths) {
    try {
      oldest = Math.min(oldest, (await Deno.stat(path)).mtime?.getTime() ?? 0);
    } catch {
      return null;
    }
  }
  return oldest;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

if (import.meta.main) {
  // `--if-stale` (what `deno task start` passes) builds only when a source changed.
  const built = Deno.args.includes("--if-stale")
    ? await ensureBundle()
    : (await buildBundle(), true);
  console.log(
    built ? `Parley: built ${OUTPUTS.join(", ")}` : "Parley: client bundle is up to date",
  );
}
