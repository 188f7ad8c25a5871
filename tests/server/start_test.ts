/**
 * The two commands on a copy of the project as a fresh clone has it (no node_modules, no dist/):
 * `deno task start` alone fetches the packages the server and the build use (never the tests'),
 * builds the client, and serves, in a handful of lines; it builds again when a source changed, and
 * a group link it minted opens again after a restart (its room key kept in `.parley/`). The
 * read-only path: `deno task serve` refuses a stale build in one line, and once `deno task build`
 * ran it serves without writing anything, even with the project folder mounted read-only.
 */
import assert from "node:assert/strict";
import { type Child, spawnChild } from "../helpers/process.ts";
import { requirement } from "../helpers/requirements.ts";
import { closeClient, connectClient, emitWithAck, ROOT_DIR } from "../helpers/server.ts";
import type { RoomStatusAck } from "../../protocol/signaling.ts";

/** What a clone holds that the server, the build and the tasks read. */
const PROJECT = [
  "server.ts",
  "server",
  "protocol",
  "client",
  "machines",
  "static",
  "deno.json",
  "deno.lock",
  "deno.app.json",
  "deno.app.lock",
];
/** Packages only the tests and the benchmark use (deno.json has them, deno.app.json not). */
const TEST_ONLY = ["puppeteer-core", "axe-core", "@xstate/graph"];
const LISTENING = /Parley listening on (http:\/\/127\.0\.0\.1:\d+)\//;

async function copy(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    await copy(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/** Every file under `dir`, node_modules included, with its size and modification time. */
async function snapshot(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(`${dir}${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    const info = await Deno.lstat(`${dir}${path}`);
    if (entry.isDirectory) {
      for (const [p, v] of await snapshot(dir, `${path}/`)) files.set(p, v);
    } else {
      files.set(path, `${info.size} ${info.mtime?.getTime()}`);
    }
  }
  return files;
}

function task(dir: string, name: string): Child {
  return spawnChild(Deno.execPath(), ["task", name], {
    cwd: dir,
    env: { NO_COLOR: "1", PORT: "0", HOST: "127.0.0.1" },
  });
}

/** Waits for the listen line; returns the origin and every line printed before it. */
async function listening(child: Child): Promise<{ origin: string; before: string[] }> {
  const match = await child.waitFor(LISTENING, Date.now() + 120_000);
  assert.ok(match, `no listen line:\n${child.output()}`);
  const output = child.output();
  const before = output.slice(0, output.indexOf(match[0])).split("\n").filter((l) => l.trim());
  return { origin: match[1], before };
}

async function get(origin: string, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${origin}${path}`);
  return { status: response.status, text: await response.text() };
}

async function stop(child: Child): Promise<Deno.CommandStatus> {
  await child.terminate("SIGTERM");
  return await child.exited;
}

Deno.test("deno task start on a fresh clone, then the read-only serve path", async (t) => {
  const dir = `${await Deno.makeTempDir({ prefix: "parley-clone-" })}/`;
  try {
    for (const path of PROJECT) await copy(`${ROOT_DIR}${path}`, `${dir}${path}`);
    let groupRoom = "";

    await t.step("first start: the server's packages only, a build, at most 15 lines", async () => {
      const child = task(dir, "start");
      try {
        const { origin, before } = await listening(child);
        console.log(`before "listening":\n  ${before.join("\n  ")}`);
        assert.ok(before.length <= 15, `${before.length} lines before listening`);
        assert.ok(before.some((l) => /built the client into dist\//.test(l)), child.output());
        for (const name of TEST_ONLY) {
          assert.ok(!child.output().includes(name), `${name} was fetched:\n${child.output()}`);
          assert.ok(!await exists(`${dir}node_modules/${name}`), `${name} is in node_modules`);
        }
        for (const path of ["/", "/r/abcdefghijklmnopqrstuv", "/style.css", "/check"]) {
          assert.equal((await get(origin, path)).status, 200, path);
        }
        const minted = await fetch(`${origin}/new?size=3`, { method: "POST", redirect: "manual" });
        await minted.body?.cancel();
        groupRoom = minted.headers.get("location")?.replace("/r/", "") ?? "";
        assert.equal(minted.status, 303);
      } finally {
        assert.equal((await stop(child)).code, 0, child.output());
      }
    });

    await t.step(
      "started again unchanged: straight to serving, the tests' packages left",
      async () => {
        // A developer's clone: `deno install` put the tests' packages in node_modules too.
        const install = await new Deno.Command(Deno.execPath(), {
          args: ["install", "--frozen", "--quiet"],
          cwd: dir,
          stdin: "null",
        }).output();
        assert.equal(install.code, 0, new TextDecoder().decode(install.stderr));
        const child = task(dir, "start");
        try {
          const { origin, before } = await listening(child);
          assert.deepEqual(before.filter((l) => l.startsWith("Parley:")), [], child.output());
          // The group link the first start minted still opens: the key was kept in .parley/.
          const socket = await connectClient(origin);
          try {
            const status = await emitWithAck<RoomStatusAck>(socket, "room-status", {
              room: groupRoom,
            });
            assert.deepEqual(status.ok && status.capacity, 3, JSON.stringify(status));
          } finally {
            await closeClient(socket);
          }
        } finally {
          await stop(child);
        }
        for (const name of TEST_ONLY) {
          assert.ok(await exists(`${dir}node_modules/${name}`), `start removed ${name}`);
        }
      },
    );

    await Deno.writeTextFile(`${dir}static/style.css`, ".start-test-marker{color:red}\n", {
      append: true,
    });

    await t.step("serve with a stale build: one line saying what to run, exit 1", async () => {
      const child = task(dir, "serve");
      const status = await child.exited;
      const said = child.output().split("\n").filter((line) => line.startsWith("Parley:"));
      assert.equal(status.code, 1, child.output());
      assert.deepEqual(said.length, 1, child.output());
      assert.match(said[0], /older than its sources: run `deno task build`/);
      assert.doesNotMatch(child.output(), /listening|\n\s+at /);
    });

    await t.step("start after a source changed: builds first, serves the change", async () => {
      const child = task(dir, "start");
      try {
        const { origin, before } = await listening(child);
        assert.ok(
          before.some((l) => /built the client.*\(its sources changed\)/.test(l)),
          child.output(),
        );
        assert.match((await get(origin, "/style.css")).text, /start-test-marker/);
      } finally {
        await stop(child);
      }
    });

    await t.step("serve after a build writes nothing, node_modules included", async () => {
      const before = await snapshot(dir);
      const child = task(dir, "serve");
      try {
        const { origin } = await listening(child);
        assert.equal((await get(origin, "/")).status, 200);
      } finally {
        await stop(child);
      }
      assert.deepEqual(await snapshot(dir), before, "serve wrote into the project");
    });

    await t.step({
      name: "serve as the service runs it: its own user, the project folder mounted read-only",
      ignore: readOnlyMount.ignore,
      fn: async () => {
        readOnlyMount.check();
        // deploy/parley.service: a user of its own (here nobody), Deno's cache in a folder of
        // its own, the project read-only. The bind mount lives in a private mount namespace: the
        // server alone sees it, and it goes with it.
        const cache = await Deno.makeTempDir({ prefix: "parley-cache-" });
        await Deno.chown(cache, NOBODY, NOBODY);
        await Deno.chmod(dir, 0o755);
        const child = spawnChild("unshare", [
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && cd "$0" && ` +
          `exec setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups ` +
          `env DENO_DIR="$2" HOME=/nonexistent "$1" task serve`,
          dir,
          Deno.execPath(),
          cache,
        ], { env: { NO_COLOR: "1", PORT: "0", HOST: "127.0.0.1" } });
        try {
          const { origin } = await listening(child);
          assert.equal((await get(origin, "/r/abcdefghijklmnopqrstuv")).status, 200);
          // unshare, sh, setpriv and env each became the next: this is the task itself.
          const status = await Deno.readTextFile(`/proc/${child.pid}/status`);
          assert.match(status, new RegExp(`^Uid:\\s+${NOBODY}\\s`, "m"), "the task runs as nobody");
        } finally {
          await stop(child);
          await Deno.remove(cache, { recursive: true });
        }
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The uid and gid of `nobody` on Debian: a user with no rights to the project but reading it. */
const NOBODY = 65534;

const readOnlyMount = requirement(
  "tests/server/start_test.ts",
  "the read-only serve test",
  Deno.uid() === 0 ? null : "mounting the project read-only needs root",
);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
