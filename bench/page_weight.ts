/**
 * What a visitor downloads, and how long a server takes to answer at all.
 *
 * - Page weight: the HTML of a call page, the scripts and style sheets it references and the
 *   modules those scripts import statically (what loads before the page works), each as served
 *   and gzip-compressed (zlib's default level, what a compressing server sends). Modules imported
 *   dynamically (`import("…")`) are listed apart: they load only when the page asks for them.
 * - Cold start: from spawning the server process to the first `200` for `GET /`, a few runs,
 *   median.
 *
 * @module
 */
import { gzipSync } from "node:zlib";
import { newRoomId } from "../protocol/signaling.ts";
import { RAISE_FD_LIMIT, type ServerCommand, startServer } from "./servers.ts";
import type { Target } from "./signal_clients.ts";
import { median, round } from "./stats.ts";

/** One downloaded file. */
export interface Asset {
  path: string;
  kind: "html" | "js" | "css";
  bytes: number;
  gzipBytes: number;
  /** Content-Encoding the server used, if any. */
  encoding: string | null;
}

/** A page and everything it pulls in. */
export interface PageWeight {
  target: Target;
  page: string;
  /** What loads with the page: its HTML, scripts, styles and their static imports. */
  assets: Asset[];
  totals: Record<"html" | "js" | "css" | "all", { bytes: number; gzipBytes: number }>;
  /** Modules only imported dynamically, loaded on demand; not in the totals. */
  onDemand: Asset[];
}

/** Fetches the call page of `target` and the scripts and styles it references. */
export async function measurePageWeight(target: Target): Promise<PageWeight> {
  const server = await startServer(target);
  try {
    const page = target === "parley" ? `/r/${newRoomId()}` : "/";
    const assets: Asset[] = [];
    const html = await download(server.url, page, "html", assets);
    const modules: string[] = [];
    for (const ref of references(html)) {
      if (ref.kind === "css" || !ref.module) await download(server.url, ref.path, ref.kind, assets);
      else modules.push(ref.path);
    }
    // Modules and, to the end, what they import statically (bundle chunks); dynamic imports
    // are noted on the way and fetched apart.
    const dynamic = new Set<string>();
    while (modules.length > 0) {
      const path = modules.shift()!;
      if (assets.some((a) => a.path === path)) continue;
      const found = moduleImports(await download(server.url, path, "js", assets), path);
      modules.push(...found.static);
      for (const lazy of found.dynamic) dynamic.add(lazy);
    }
    const onDemand: Asset[] = [];
    for (const path of dynamic) {
      if (!assets.some((a) => a.path === path)) await download(server.url, path, "js", onDemand);
    }
    const totals = { html: zero(), js: zero(), css: zero(), all: zero() };
    for (const asset of assets) {
      for (const key of [asset.kind, "all"] as const) {
        totals[key].bytes += asset.bytes;
        totals[key].gzipBytes += asset.gzipBytes;
      }
    }
    return { target, page, assets, totals, onDemand };
  } finally {
    await server.stop();
  }
}

function zero() {
  return { bytes: 0, gzipBytes: 0 };
}

async function download(
  base: string,
  path: string,
  kind: Asset["kind"],
  assets: Asset[],
): Promise<string> {
  const response = await fetch(new URL(path, base), { headers: { "accept-encoding": "identity" } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  assets.push({
    path,
    kind,
    bytes: body.byteLength,
    gzipBytes: gzipSync(body).byteLength,
    encoding: response.headers.get("content-encoding"),
  });
  return new TextDecoder().decode(body);
}

/** A script or style sheet an HTML page references. */
export interface Reference {
  path: string;
  kind: "js" | "css";
  /** An ES module (`type="module"`, `modulepreload`), whose imports load with it. */
  module: boolean;
}

/** Same-origin scripts, module preloads and style sheets an HTML page references. */
export function references(html: string): Reference[] {
  const found: Reference[] = [];
  const attribute = (tag: string, name: string) =>
    tag.match(new RegExp(`\\s${name}\\s*=\\s*["']([^"']+)["']`, "i"))?.[1] ?? null;
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    const src = attribute(tag, "src");
    const module = (attribute(tag, "type") ?? "").toLowerCase() === "module";
    if (src) found.push({ path: src, kind: "js", module });
  }
  for (const tag of html.match(/<link\b[^>]*>/gi) ?? []) {
    const rel = (attribute(tag, "rel") ?? "").toLowerCase();
    const href = attribute(tag, "href");
    if (!href) continue;
    if (rel === "stylesheet") found.push({ path: href, kind: "css", module: false });
    if (rel === "modulepreload") found.push({ path: href, kind: "js", module: true });
  }
  const local = found.filter(({ path }) => !/^[a-z]+:\/\//i.test(path) && !path.startsWith("//"));
  return local.filter((ref, i) => local.findIndex((other) => other.path === ref.path) === i);
}

/**
 * The same-origin modules an ES module imports, as absolute paths: statically (`import … from
 * "./x.js"`, `import "./x.js"`, `export … from`) and dynamically (`import("./x.js")`).
 */
export function moduleImports(
  source: string,
  path: string,
): { static: string[]; dynamic: string[] } {
  const resolve = (specifier: string) =>
    /^(\.{1,2})?\//.test(specifier) ? new URL(specifier, `http://page${path}`).pathname : null;
  const collect = (pattern: RegExp) => [
    ...new Set(
      [...source.matchAll(pattern)].map((m) => resolve(m[2])).filter((p): p is string => !!p),
    ),
  ];
  return {
    static: collect(/\b(?:from|import)\s*(["'])([^"'\n]+?)\1/g),
    dynamic: collect(/\bimport\s*\(\s*(["'])([^"'\n]+?)\1\s*\)/g),
  };
}

/** Cold-start runs of one way of starting a server. */
export interface ColdStart {
  /** What was started, e.g. `deno task start`. */
  name: string;
  runsMs: number[];
  medianMs: number;
  /** Runs in which the client bundle was built first. */
  runsThatBuilt: number;
}

/** Spawns `command` `runs` times and times each to its first `200` for `GET /`. */
export async function measureColdStart(
  name: string,
  command: ServerCommand,
  runs: number,
): Promise<ColdStart> {
  const runsMs: number[] = [];
  let runsThatBuilt = 0;
  for (let i = 0; i < runs; i++) {
    const port = freePort();
    const started = performance.now();
    const child = new Deno.Command("sh", {
      args: ["-c", RAISE_FD_LIMIT, command.command, ...command.args],
      cwd: command.cwd,
      env: { PORT: String(port), HOST: "127.0.0.1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    try {
      await untilOk(`http://127.0.0.1:${port}/`, 60_000);
      runsMs.push(round(performance.now() - started, 1));
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
    if ((await output).join("").includes("built static/app.js")) runsThatBuilt++;
  }
  return { name, runsMs, medianMs: median(runsMs), runsThatBuilt };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function untilOk(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} gave no 200 within ${timeoutMs} ms`);
}
