/**
 * Step 1 of docs/deploy.md, Deno on a server without Node: the guide's commands, exactly as
 * written there, in a private mount namespace where Node and npm are gone, `/usr/local/bin` and
 * `/tmp` are empty, and `apt-get` only checks that what it is asked for is installed (a test does
 * not install packages). They fetch the Deno binary from the npm registry over plain HTTPS, check
 * its hash, install it, and it runs. Needs root (the mounts) and the npm registry (CI has both).
 */
import assert from "node:assert/strict";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR } from "../helpers/server.ts";

const MARK = "<!-- tested: deno-without-node -->";

async function unavailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "hiding Node and emptying /usr/local/bin needs root";
  try {
    const response = await fetch("https://registry.npmjs.org/@deno/linux-x64-glibc", {
      method: "HEAD",
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    return response.ok ? null : `the npm registry answered ${response.status}`;
  } catch (error) {
    return `the npm registry cannot be reached (${(error as Error).message})`;
  }
}
const needs = requirement(
  "tests/deploy/deno_install_test.ts",
  "the Deno install test",
  await unavailable(),
);

/** The shell block right after `MARK` in docs/deploy.md. */
async function guideCommands(): Promise<string> {
  const guide = await Deno.readTextFile(`${ROOT_DIR}docs/deploy.md`);
  const block = /```sh\n([\s\S]*?)```/.exec(guide.slice(guide.indexOf(MARK)));
  assert.ok(guide.includes(MARK) && block, `docs/deploy.md has no ${MARK} block`);
  return block[1];
}

Deno.test({
  name: "docs/deploy.md step 1: Deno from the npm registry, without Node, runs",
  ignore: needs.ignore,
  fn: async () => {
    needs.check();
    const commands = await guideCommands();
    // Everything the guide's commands must not lean on is hidden; only this namespace sees it.
    const prelude = [
      "set -e",
      "mount -t tmpfs tmpfs /usr/local/bin",
      "mount -t tmpfs tmpfs /tmp",
      "mount -t tmpfs tmpfs /usr/lib/node_modules 2>/dev/null || true",
      "for program in node npm npx; do",
      '  path=$(command -v "$program" || true)',
      '  if [ -n "$path" ]; then mount --bind /dev/null "$path"; fi',
      "done",
      // (`set -e` ignores a failing `! command`, so the check is spelled out.)
      "if node --version || npm --version; then echo 'Node is still there' >&2; exit 1; fi 2>/dev/null",
      // apt-get install -y PACKAGES: only checks that they are installed.
      "printf '#!/bin/sh\\nshift 2\\nexec dpkg -s \"$@\" >/dev/null\\n' > /usr/local/bin/apt-get",
      "chmod 755 /usr/local/bin/apt-get",
      "hash -r",
    ].join("\n");
    const { code, stdout, stderr } = await new Deno.Command("unshare", {
      args: ["--mount", "--propagation", "private", "sh", "-c", `${prelude}\n${commands}`],
      env: { PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" },
      clearEnv: true,
      stdin: "null",
    }).output();
    const said = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
    assert.equal(code, 0, said);
    assert.match(said, /^deno 2\.9\.6 /m, said);
  },
});
