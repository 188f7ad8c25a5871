/**
 * The startup line names addresses the server is really reachable on: the pure rule, then the real
 * server listening on every interface, each address it prints opened with a real request.
 */
import assert from "node:assert/strict";
import {
  cameraAllowed,
  type InterfaceAddress,
  listenLines,
  listenUrls,
} from "../../server/listen_addresses.ts";
import { startServer } from "../helpers/server.ts";

const INTERFACES: InterfaceAddress[] = [
  { family: "IPv4", name: "lo", address: "127.0.0.1" },
  { family: "IPv4", name: "eth0", address: "192.168.1.20" },
  { family: "IPv4", name: "wlan0", address: "10.0.0.7" },
  { family: "IPv6", name: "lo", address: "::1" },
  { family: "IPv6", name: "eth0", address: "2001:db8::20" },
  { family: "IPv6", name: "eth0", address: "fe80::1" },
];

Deno.test("listenUrls: where a listening server can be opened", async (t) => {
  await t.step("every IPv4 interface: loopback first, then each interface's address", () => {
    assert.deepEqual(listenUrls("0.0.0.0", 8000, INTERFACES), [
      { url: "http://127.0.0.1:8000/", where: "this machine" },
      { url: "http://192.168.1.20:8000/", where: "eth0" },
      { url: "http://10.0.0.7:8000/", where: "wlan0" },
    ]);
  });

  await t.step("every interface (::): IPv6 too, bracketed, without link-local", () => {
    assert.deepEqual(listenUrls("::", 8000, INTERFACES).map((u) => u.url), [
      "http://[::1]:8000/",
      "http://192.168.1.20:8000/",
      "http://10.0.0.7:8000/",
      "http://[2001:db8::20]:8000/",
    ]);
  });

  await t.step("one address: that address alone", () => {
    assert.deepEqual(listenUrls("192.168.1.20", 8080, INTERFACES).map((u) => u.url), [
      "http://192.168.1.20:8080/",
    ]);
    assert.deepEqual(listenUrls("::1", 8080, INTERFACES).map((u) => u.url), [
      "http://[::1]:8080/",
    ]);
  });

  await t.step("never 'localhost' for every interface; the first line as tests parse it", () => {
    const lines = listenLines(listenUrls("0.0.0.0", 8000, INTERFACES));
    assert.deepEqual(lines.slice(0, 3), [
      "Parley listening on http://127.0.0.1:8000/ (this machine, camera ok)",
      "  also on http://192.168.1.20:8000/ (eth0, no camera: browsers allow it only on https or localhost)",
      "  also on http://10.0.0.7:8000/ (wlan0, no camera: browsers allow it only on https or localhost)",
    ]);
    assert.ok(!lines.join("\n").includes("localhost:"));
  });

  await t.step("http off this machine: one more line says how to get the camera there", () => {
    const lines = listenLines(listenUrls("0.0.0.0", 8000, INTERFACES));
    assert.equal(lines.length, 4);
    assert.match(lines[3], /serve https: `deno task cert`, then start with TLS_CERT_FILE=/);
    assert.equal(listenLines(listenUrls("127.0.0.1", 8000, INTERFACES)).length, 1);
  });

  await t.step("a camera where the page is secure: https anywhere, http only on loopback", () => {
    const camera = (url: string) => cameraAllowed(url);
    assert.equal(camera("https://192.168.1.20:8000/"), true);
    assert.equal(camera("http://127.0.0.1:8000/"), true);
    assert.equal(camera("http://127.9.9.9:8000/"), true);
    assert.equal(camera("http://[::1]:8000/"), true);
    assert.equal(camera("http://localhost:8000/"), true);
    assert.equal(camera("http://192.168.1.20:8000/"), false);
    assert.equal(camera("http://[2001:db8::20]:8000/"), false);
    const secure = listenLines(listenUrls("0.0.0.0", 8443, INTERFACES, "https"));
    assert.equal(secure.length, 3, "no hint when every address can use the camera");
    assert.ok(secure.every((line) => line.includes("camera ok")));
  });
});

Deno.test("server on every interface: each address of its startup line answers", async () => {
  await using server = await startServer({ host: "0.0.0.0" });
  const printed = server.output();
  const urls = [...printed.matchAll(/(?:listening on|also on) (http:\/\/\S+\/)/g)].map((m) => m[1]);
  assert.equal(urls[0], `http://127.0.0.1:${server.port}/`, printed);
  assert.doesNotMatch(printed, /\/\/localhost/, "no URL names localhost");
  // Every non-loopback IPv4 address of this machine is printed, and nothing else.
  const expected = Deno.networkInterfaces()
    .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
    .map((i) => `http://${i.address}:${server.port}/`);
  assert.deepEqual(urls.slice(1).sort(), [...new Set(expected)].sort(), printed);
  for (const url of urls) {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    await response.body?.cancel();
    assert.equal(response.status, 200, url);
  }
  console.log(`startup line:\n${printed.trim()}`);
});
