/**
 * deploy/parley.service: systemd finds nothing wrong in it (`systemd-analyze verify`), its
 * exposure is low (`systemd-analyze security --offline`), it has what docs/deploy.md says it has
 * (a user of its own, restarted on failure such as the self-check's exit code 70, an open-file
 * limit, a read-only project folder, the settings file), and deploy/parley.env is settings the
 * server accepts, read as systemd reads them. How the service's command runs (its own user, the
 * project read-only) is in tests/server/start_test.ts; a real systemd is not on the test machines.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../server/config.ts";
import { requirement } from "../helpers/requirements.ts";
import { ROOT_DIR } from "../helpers/server.ts";

const UNIT = `${ROOT_DIR}deploy/parley.service`;

async function unavailable(): Promise<string | null> {
  if (Deno.uid() !== 0) return "verifying the unit mounts a folder for its ExecStart: needs root";
  const found = await new Deno.Command("sh", { args: ["-c", "command -v systemd-analyze"] })
    .output().then((r) => r.success).catch(() => false);
  return found ? null : "systemd-analyze is not installed (apt-get install -y systemd)";
}
const needs = requirement(
  "tests/deploy/service_test.ts",
  "the service unit test",
  await unavailable(),
);

/**
 * Runs `systemd-analyze <args>` where the unit's ExecStart exists: /usr/local/bin/deno, where
 * docs/deploy.md installs Deno, is this Deno in a private mount namespace (nothing on the machine
 * changes). Resolves its exit code and everything it said.
 */
async function analyze(...args: string[]): Promise<{ code: number; said: string }> {
  const { code, stdout, stderr } = await new Deno.Command("unshare", {
    args: [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount -t tmpfs tmpfs /usr/local/bin && ln -s "$0" /usr/local/bin/deno && ' +
      'exec systemd-analyze "$@"',
      Deno.execPath(),
      ...args,
    ],
    stdin: "null",
  }).output();
  return { code, said: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

/** The unit's `[Service]` settings, each name with every value it is given. */
async function serviceSettings(): Promise<Map<string, string[]>> {
  const settings = new Map<string, string[]>();
  let section = "";
  for (const line of (await Deno.readTextFile(UNIT)).split("\n")) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1];
    const setting = /^(\w+)=(.*)$/.exec(line);
    if (section === "Service" && setting) {
      settings.set(setting[1], [...settings.get(setting[1]) ?? [], setting[2]]);
    }
  }
  return settings;
}

Deno.test({
  name: "deploy/parley.service: systemd-analyze verify finds nothing, security rates it OK",
  ignore: needs.ignore,
  fn: async (t) => {
    needs.check();
    await t.step("verify: no error, no warning", async () => {
      const { code, said } = await analyze("verify", UNIT);
      assert.equal(code, 0, said);
      assert.equal(said.trim(), "", said);
    });

    await t.step("a unit with a mistake is caught (the check can fail)", async () => {
      const broken = await Deno.makeTempFile({ suffix: ".service" });
      try {
        const text = await Deno.readTextFile(UNIT);
        await Deno.writeTextFile(broken, text.replace("Restart=on-failure", "Restart=on-faliure"));
        const { said } = await analyze("verify", broken);
        assert.match(said, /on-faliure|Restart/, said);
      } finally {
        await Deno.remove(broken);
      }
    });

    await t.step("security: exposure at most 2.0 of 10", async () => {
      const { code, said } = await analyze("security", "--offline=true", "--threshold=20", UNIT);
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(said);
      assert.ok(level, said);
      console.log(`exposure ${level[1]}`);
      assert.ok(Number(level[1]) <= 2.0, said);
      assert.equal(code, 0, said);
    });
  },
});

Deno.test("deploy/parley.service has what the guide says", async () => {
  const settings = await serviceSettings();
  const one = (name: string) => settings.get(name)?.at(-1);
  assert.equal(one("User"), "parley");
  assert.equal(one("ExecStart"), "/usr/local/bin/deno task serve");
  assert.equal(one("WorkingDirectory"), "/srv/parley");
  assert.equal(one("EnvironmentFile"), "/etc/parley/parley.env");
  // The listener self-check exits with 70; on-failure restarts on any non-zero exit.
  assert.equal(one("Restart"), "on-failure");
  assert.ok(Number(one("LimitNOFILE")) >= 65536);
  assert.equal(one("NoNewPrivileges"), "yes");
  assert.equal(one("ProtectSystem"), "strict");
  assert.equal(one("ProtectHome"), "yes");
  assert.equal(one("PrivateTmp"), "yes");
  assert.equal(one("ReadOnlyPaths"), "/srv/parley");
  // One SIGTERM, to the task, which passes it on: the server then lets clients move.
  assert.equal(one("KillMode"), "mixed");
  assert.match(one("Environment") ?? "", /DENO_DIR=\/var\/cache\/parley/);
  assert.equal(one("CacheDirectory"), "parley");
});

/**
 * Reads an EnvironmentFile as systemd does for what this one uses: comments, blank lines,
 * `KEY=value`, and values in single quotes (kept as they are). A value with another quote or a
 * backslash would be read differently by systemd than it looks, so it is refused here.
 */
function readEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    assert.ok(match, `not KEY=value: ${line}`);
    const quoted = /^'([^']*)'$/.exec(match[2]);
    if (!quoted) assert.doesNotMatch(match[2], /["'\\\s]/, `quote it in single quotes: ${line}`);
    env[match[1]] = quoted ? quoted[1] : match[2];
  }
  return env;
}

Deno.test("deploy/parley.env: settings the server accepts, for Parley behind nginx", async () => {
  const env = readEnvironmentFile(await Deno.readTextFile(`${ROOT_DIR}deploy/parley.env`));
  const config = loadConfig((name) => env[name]);
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8000);
  assert.deepEqual(config.iceServers, [{ urls: "stun:parley.example.org:3478" }]);
  assert.deepEqual(config.turn?.urls, [
    "turn:parley.example.org:3478?transport=udp",
    "turn:parley.example.org:3478?transport=tcp",
  ]);
  assert.equal(env.TRUST_PROXY, "127.0.0.1", "the per-address limits see nginx's clients");
});
