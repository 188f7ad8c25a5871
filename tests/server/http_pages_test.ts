/**
 * The real server's HTTP side as a browser or a prober meets it: pages, new rooms, the hashed
 * client bundle, and paths that must never reach a file outside static/.
 */
import assert from "node:assert/strict";
import { newRoomId } from "../../protocol/signaling.ts";
import { startServer } from "../helpers/server.ts";

Deno.test("HTTP: pages, new rooms and static files", async (t) => {
  await using server = await startServer();

  await t.step("the landing page is HTML under a strict content security policy", async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    // Scripts only from this server; WebAssembly may compile (noise suppression, blur).
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
    assert.match(await response.text(), /<html/i);
  });

  await t.step("POST /new redirects to a fresh room with an unguessable, tagged id", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${server.url}/new`, { method: "POST", redirect: "manual" });
      await response.body?.cancel();
      assert.equal(response.status, 303);
      const match = /^\/r\/([A-Za-z0-9_-]{33})$/.exec(response.headers.get("location") ?? "");
      assert.ok(match, `location ${response.headers.get("location")}`);
      ids.add(match[1]);
    }
    assert.equal(ids.size, 5);
  });

  await t.step("a room page is HTML; a malformed room id is 404", async () => {
    const room = await fetch(`${server.url}/r/${newRoomId()}`);
    assert.equal(room.status, 200);
    assert.match(room.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await room.text(), /<html/i);
    for (const id of ["short", "a".repeat(65), "abcdefghijklmnop.q", "%2e%2e%2fdeno.json"]) {
      const response = await fetch(`${server.url}/r/${id}`);
      await response.body?.cancel();
      assert.equal(response.status, 404, `/r/${id}`);
    }
  });

  await t.step("paths outside static/ are 404 and never leak files", async () => {
    const attempts = [
      "/../deno.json",
      "/%2e%2e/deno.json",
      "/%2E%2E/deno.json",
      "/..%2fdeno.json",
      "/..%2fserver.ts",
      "/%2e%2e%2fserver.ts",
      "/..%5cserver.ts",
      "/static/../server.ts",
      "/r/../../deno.json",
      "//etc/passwd",
      "/%2fetc%2fpasswd",
      "/../../../../../../etc/passwd",
      "/app.js%00.html",
      "/deno.json",
      "/server.ts",
      "/index.html",
    ];
    for (const path of attempts) {
      const { status, body } = await rawGet(server.port, path);
      assert.equal(status, 404, `${path} answered ${status}`);
      assert.doesNotMatch(body, /"tasks"|listening on|root:x?:0:0/, `${path} leaked a file`);
    }
  });

  await t.step("the client bundle the room page loads is served as JavaScript", async () => {
    const page = await (await fetch(`${server.url}/r/${newRoomId()}`)).text();
    const src = /<script type="module" src="(\/app-[\w-]+\.js)"/.exec(page)?.[1];
    assert.ok(src, `no hashed bundle in the room page:\n${page}`);
    const response = await fetch(`${server.url}${src}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^(text|application)\/javascript/);
    await response.body?.cancel();
  });

  await t.step("other methods are refused", async () => {
    const response = await fetch(`${server.url}/`, { method: "PUT" });
    await response.body?.cancel();
    assert.equal(response.status, 405);
  });
});

/** A GET with `path` sent byte for byte (fetch would normalise `..` away before sending). */
async function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    let raw = "";
    const decoder = new TextDecoder();
    for await (const chunk of conn.readable) raw += decoder.decode(chunk, { stream: true });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
    return { status, body: raw.slice(raw.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch {
      // conn.readable closes the connection once fully read.
    }
  }
}
