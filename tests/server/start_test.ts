/**
 * `deno task start` on a copy of the project: without a build it refuses in one line that says
 * what to run; after `deno task build` it serves and writes nothing into the project.
 */
import assert from "node:assert/strict";
import { ROOT_DIR } from "../helpers/server.ts";

/** What a deployment ships besides dist/: the server and what the build fingerprint reads. */
const PROJECT = [
  "server.ts",
  "server",
  "protocol",
  "client",
  "machines",
  "static",
  "deno.json",
  "deno.lock",
];

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/** Every file under `dir` but node_modules, with its size and modification time. */
async function snapshot(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(`${dir}${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (path === "node_modules") continue;
    if (entry.isDirectory) {
      for (const [p, v] of await snapshot(dir, `${path}/`)) files.set(p, v);
    } else {
      const info = await Deno.lstat(`${dir}${path}`);
      files.set(path, `${info.size} ${info.mtime?.getTime()}`);
    }
  }
  return files;
}

function deno(cwd: string, args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

Deno.test("start task: refuses without a build, then serves and writes nothing", async (t) => {
  const dir = `${await Deno.makeTempDir({ prefix: "parley-deploy-" })}/`;
  try {
    for (const path of PROJECT) await copy(`${ROOT_DIR}${path}`, `${dir}${path}`);
    await Deno.symlink(`${ROOT_DIR}node_modules`, `${dir}node_modules`);

    await t.step("no build: exits non-zero with one line saying what to run", async () => {
      const { code, stdout, stderr } = await deno(dir, ["task", "start"], { PORT: "0" }).output();
      const said = new TextDecoder().decode(stderr).split("\n")
        .filter((line) => line.startsWith("Parley:"));
      assert.notEqual(code, 0);
      assert.equal(said.length, 1, new TextDecoder().decode(stderr));
      assert.match(said[0], /not built.*run `deno task build`/);
      assert.doesNotMatch(new TextDecoder().decode(stdout), /listening/);
      assert.ok(!(await snapshot(dir)).has("dist/manifest.json"), "start built the client");
    });

    await t.step("after deno task build: serves, and the project is left as it was", async () => {
      const build = await deno(dir, ["task", "build"]).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      const before = await snapshot(dir);
      const child = deno(dir, ["task", "start"], { PORT: "0", HOST: "127.0.0.1" }).spawn();
      try {
        let output = "";
        const decoder = new TextDecoder();
        for await (const chunk of child.stdout) {
          output += decoder.decode(chunk, { stream: true });
          if (/listening on http:\/\/127\.0\.0\.1:\d+\//.test(output)) break;
        }
        const origin = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
        assert.ok(origin, output);
        for (const path of ["/", "/r/abcdefghijklmnopqrstuv", "/style.css"]) {
          const response: Response = await fetch(`${origin}${path}`);
          await response.body?.cancel();
          assert.equal(response.status, 200, path);
        }
      } finally {
        child.kill("SIGTERM");
        await child.status;
        await child.stderr.cancel().catch(() => {});
      }
      assert.deepEqual(await snapshot(dir), before, "the server wrote into the project");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
