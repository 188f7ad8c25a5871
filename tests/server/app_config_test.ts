/**
 * deno.app.json, what the server and the build run with, holds their packages and nothing else,
 * pinned as deno.json (the development configuration: the same and the tests' packages) pins them,
 * and deno.app.lock resolves them exactly as deno.lock does, so the two never install two versions
 * of one package into node_modules. A package added to deno.json for the server or the client goes
 * into deno.app.json too; then `deno install --config deno.app.json` updates deno.app.lock.
 */
import assert from "node:assert/strict";
import { ROOT_DIR } from "../helpers/server.ts";

interface Config {
  imports: Record<string, string>;
  lock: string;
  nodeModulesDir: string;
}
interface Lock {
  specifiers: Record<string, string>;
  npm: Record<string, unknown>;
  workspace: { dependencies: string[] };
}

const read = async <T>(name: string): Promise<T> =>
  JSON.parse(await Deno.readTextFile(`${ROOT_DIR}${name}`));
const FIX =
  "run `deno install --config deno.app.json` to bring deno.app.lock in line (then `deno install`, which puts the tests' packages back)";

Deno.test("deno.app.json pins the packages of the server and the build as deno.json does", async () => {
  const dev = await read<Config>("deno.json");
  const app = await read<Config>("deno.app.json");
  for (const [name, specifier] of Object.entries(app.imports)) {
    assert.equal(dev.imports[name], specifier, `deno.json and deno.app.json disagree on ${name}`);
  }
  // deno.json is the development configuration: installing it is `deno install`'s job (the test
  // task does it), never a side effect of `deno task start`.
  assert.equal(dev.nodeModulesDir, "manual");
  assert.equal(app.lock, "./deno.app.lock");
});

Deno.test("deno.app.lock resolves what deno.json's lock resolves, and no test-only package", async () => {
  const app = await read<Config>("deno.app.json");
  const appLock = await read<Lock>("deno.app.lock");
  const devLock = await read<Lock>("deno.lock");
  assert.deepEqual(
    [...appLock.workspace.dependencies].sort(),
    Object.values(app.imports).sort(),
    `deno.app.lock is not deno.app.json's: ${FIX}`,
  );
  for (const [specifier, resolved] of Object.entries(appLock.specifiers)) {
    assert.equal(devLock.specifiers[specifier], resolved, `${specifier}: ${FIX}`);
  }
  for (const [name, entry] of Object.entries(appLock.npm)) {
    assert.deepEqual(entry, devLock.npm[name], `${name} differs from deno.lock: ${FIX}`);
  }
  // The packages deno.json has beyond deno.app.json are the tests': deno.app.lock has one only
  // where a package of the app needs it too (socket.io needs ws).
  const dev = await read<Config>("deno.json");
  const testOnly = Object.keys(dev.imports).filter((name) => !(name in app.imports));
  const needed = new Set(
    Object.values(appLock.npm).flatMap((entry) =>
      ((entry as { dependencies?: string[] }).dependencies ?? []).map((d) =>
        d.replace(/(.)@[^@]*$/, "$1")
      )
    ),
  );
  assert.ok(testOnly.includes("puppeteer-core"), "deno.json lists the tests' packages");
  for (const name of testOnly) {
    const pulled = Object.keys(appLock.npm).some((entry) => entry.startsWith(`${name}@`));
    assert.ok(!pulled || needed.has(name), `${name}, a test package, is in deno.app.lock`);
  }
});
