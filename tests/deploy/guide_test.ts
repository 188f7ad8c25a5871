/**
 * docs/deploy.md and docs/security.md say what the deploy files do: the guide's steps in their
 * order, every file and test it names there, the firewall's ports those the files listen on, and
 * the coturn lines docs/security.md quotes exactly those of deploy/turnserver.conf.
 */
import assert from "node:assert/strict";
import { ROOT_DIR } from "../helpers/server.ts";

const read = (path: string) => Deno.readTextFile(`${ROOT_DIR}${path}`);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(`${ROOT_DIR}${path}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test("docs/deploy.md: the steps in the order they need each other", async () => {
  const steps = [...(await read("docs/deploy.md")).matchAll(/^## (\d)\. (.+)$/gm)]
    .map((m) => `${m[1]}. ${m[2]}`);
  assert.deepEqual(steps, [
    "1. Deno",
    "2. Parley as a service",
    "3. HTTPS: nginx and certbot",
    "4. TURN: coturn",
    "5. Firewall",
    "6. Check it",
  ]);
});

Deno.test("docs/deploy.md: every deploy file and test it names exists", async () => {
  const guide = await read("docs/deploy.md");
  const named = new Set(
    [...guide.matchAll(/\b((?:deploy|tests\/[a-z]+)\/[a-z_.-]+\.(?:conf|cfg|service|env|ts))\b/g)]
      .map((m) => m[1]),
  );
  assert.ok(named.size >= 8, [...named].join(", "));
  for (const path of named) assert.ok(await exists(path), `docs/deploy.md names ${path}`);
});

Deno.test("docs/deploy.md: the firewall opens the ports the deploy files use", async () => {
  const guide = await read("docs/deploy.md");
  const firewall = guide.slice(guide.indexOf("## 5. Firewall"), guide.indexOf("## 6. Check it"));
  const turn = await read("deploy/turnserver.conf");
  const setting = (name: string) => new RegExp(`^${name}=(\\d+)$`, "m").exec(turn)?.[1];
  const nginx = (await read("deploy/nginx-http.conf")) + (await read("deploy/nginx.conf"));
  const listened = [...nginx.matchAll(/^\s*listen (\d+)/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(listened)].sort(), ["443", "80"]);
  for (const port of listened) assert.match(firewall, new RegExp(`\\| ${port}/tcp `));
  assert.match(
    firewall,
    new RegExp(`\\| ${setting("listening-port")}/udp, ${setting("listening-port")}/tcp `),
  );
  assert.match(firewall, new RegExp(`\\| ${setting("min-port")}–${setting("max-port")}/udp `));
  assert.doesNotMatch(firewall, /8000/, "Parley's own port stays closed");
});

Deno.test("docs/security.md quotes deploy/turnserver.conf's limits as they are", async () => {
  const security = await read("docs/security.md");
  const quoted = /that bound it[\s\S]*?```\n([\s\S]*?)```/.exec(security)?.[1];
  assert.ok(quoted, "docs/security.md has the coturn block");
  const file = new Set((await read("deploy/turnserver.conf")).split("\n"));
  const lines = quoted.split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) assert.ok(file.has(line), `not in deploy/turnserver.conf: ${line}`);
  for (const setting of ["user-quota", "total-quota", "max-bps", "denied-peer-ip"]) {
    assert.ok(lines.some((line) => line.startsWith(`${setting}=`)), `${setting} is quoted`);
  }
});
