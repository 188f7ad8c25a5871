/**
 * Hostile HTTP against the real server subprocess: requests that cannot be parsed, odd Host
 * headers with long paths (answered 400, the log bounded), 2,000 headers (431, at a bounded
 * cost), slow headers (closed after 10 s, over TLS too), and HSTS on every HTTPS answer.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { makeCertificate } from "../../deploy/make_cert.ts";
import { MAX_HEADERS, toNodeListener } from "../../server/node_adapter.ts";
import { report } from "../helpers/hostile.ts";
import { rawHttp, rawSocketIo, trickleHeaders } from "../helpers/raw_socket_io.ts";
import { ROOT_DIR, type RunningServer, startServer } from "../helpers/server.ts";

const status = (answer: string) => Number(answer.split(" ")[1]);

/** The server's CPU time so far (user + system), in ms, from /proc. */
async function cpuMs(server: RunningServer): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${server.pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

Deno.test("hostile: HTTP that cannot be parsed gets 400/405 and no stack trace", async (t) => {
  await using server = await startServer({ env: { ALLOWED_ORIGINS: "https://embed.example.org" } });
  const status = (answer: string) => Number(answer.split(" ")[1]);

  await t.step("malformed Host, TRACE and a bad path encoding", async () => {
    const cases: [string, string, number][] = [
      ["Host with a space", "GET / HTTP/1.1\r\nHost: exa mple.org\r\n\r\n", 400],
      ["Host with a path", "GET / HTTP/1.1\r\nHost: example.org/x\r\n\r\n", 400],
      ["Host unclosed IPv6", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400],
      ["Host with a user", "GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400],
      // Hosts the pattern lets through and URL parsing does not (they answered 500).
      ["Host out of range", "GET / HTTP/1.1\r\nHost: 999.1.1.1\r\n\r\n", 400],
      ["Host two ::", "GET / HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", 400],
      ["Host nine groups", "GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n\r\n", 400],
      ["TRACE", "TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n", 405],
      ["unknown method", "TRACK / HTTP/1.1\r\nHost: localhost\r\n\r\n", 400],
      ["bad percent-encoding", "GET /%E0%A4%A HTTP/1.1\r\nHost: localhost\r\n\r\n", 400],
      ["room.html in disguise", "GET /room.htm%6c HTTP/1.1\r\nHost: localhost\r\n\r\n", 404],
      [
        "long-polling",
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\r\n",
        400,
      ],
    ];
    const before = server.output().length;
    const seen: Record<string, number> = {};
    for (let round = 0; round < 10; round++) {
      for (const [name, request, expected] of cases) {
        const answer = await rawHttp(server.url, request);
        seen[name] = status(answer);
        assert.equal(status(answer), expected, `${name}: ${answer.split("\r\n")[0]}`);
      }
    }
    const log = server.output().slice(before);
    report("HTTP hygiene", { requests: cases.length * 10, ...seen, logBytes: log.length });
    assert.doesNotMatch(log, /\n\s+at /, "no stack trace");
    assert.ok(log.split("\n").filter(Boolean).length <= cases.length * 10, "at most a line each");
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });

  await t.step("signaling from another origin is refused", async () => {
    const results: Record<string, string> = {};
    for (
      const [origin, expected] of [
        ["https://evil.example", / 400 /],
        [server.url, / 101 /],
        ["https://embed.example.org", / 101 /],
      ] as const
    ) {
      const client = await rawSocketIo(server.url, { origin });
      results[origin] = client.status;
      client.close();
      assert.match(client.status, expected, origin);
      if (origin.includes("evil")) assert.match(client.head, /origin may not use/);
    }
    report("origins", results);
  });
});

Deno.test("hostile: odd Host headers with 16 KB paths get 400 and no log", async () => {
  await using server = await startServer();
  const hosts = ["999.1.1.1", "[1::2::3]", "-x", "a_b", "%41", "\u00e9t\u00e9.example", "[::1]x"];
  const path = `/${"%2e%0a\u202e".repeat(1200)}`.slice(0, 16 * 1024);
  const before = server.output().length;
  const seen = new Map<number, number>();
  for (let round = 0; round < 40; round++) {
    await Promise.all(hosts.map(async (host) => {
      const answer = await rawHttp(server.url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      seen.set(status(answer), (seen.get(status(answer)) ?? 0) + 1);
    }));
  }
  const logBytes = server.output().length - before;
  report("odd Hosts", { requests: hosts.length * 40, ...Object.fromEntries(seen), logBytes });
  assert.deepEqual([...seen.keys()], [400]);
  assert.ok(logBytes < 1024, `${logBytes} bytes of log`);
});

Deno.test("hostile: 2,000 headers get 431, and no request costs more than a few ms", async () => {
  await using server = await startServer();
  const many = Array.from({ length: 2000 }, (_, i) => `X-${i}: \r\n`).join("");
  const attack = `GET /healthz HTTP/1.1\r\nHost: localhost\r\n${many}\r\n`;
  const honest = Array.from({ length: 30 }, (_, i) => `X-${i}: a\r\n`).join("");
  const cpuBefore = await cpuMs(server);
  const statuses = new Set<number>();
  for (let i = 0; i < 100; i++) statuses.add(status(await rawHttp(server.url, attack)));
  const perRequestMs = (await cpuMs(server) - cpuBefore) / 100;
  const ok = await rawHttp(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\n${honest}\r\n`);
  report("2,000 headers", {
    requests: 100,
    statuses: [...statuses].join(","),
    cpuMsPerRequest: perRequestMs,
  });
  assert.deepEqual([...statuses], [431]);
  // CPU time, not wall time: the copy of 2,000 headers cost 100 ms and more of it.
  assert.ok(perRequestMs < 20, `${perRequestMs} ms of CPU per request`);
  assert.equal(status(ok), 200, "30 headers are fine");
});

Deno.test("HTTP adapter: the handler sees only the headers the routes read", async () => {
  const seen: string[][] = [];
  const http = createServer(
    toNodeListener((request) => {
      seen.push([...request.headers.keys()]);
      return new Response("ok");
    }, { clientAddress: () => "192.0.2.1" }),
  );
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  try {
    const headers = Array.from({ length: MAX_HEADERS - 4 }, (_, i) => `X-${i}: a\r\n`).join("");
    const answer = await rawHttp(
      url,
      `GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br\r\nConnection: close\r\n${headers}\r\n`,
    );
    assert.equal(status(answer), 200);
    assert.deepEqual(seen, [["accept-encoding"]]);
    const over = `X-1: a\r\n`.repeat(MAX_HEADERS);
    assert.equal(status(await rawHttp(url, `GET / HTTP/1.1\r\nHost: x\r\n${over}\r\n`)), 431);
    assert.equal(seen.length, 1, "the handler never saw the request with too many headers");
  } finally {
    await new Promise((resolve) => http.close(resolve));
  }
});

Deno.test("hostile: slow headers are closed after 10 s, over TLS too; HSTS on HTTPS", async (t) => {
  const dir = `${ROOT_DIR}certs/test-hostile-${Deno.pid}`;
  try {
    const tls = await makeCertificate(dir, { ips: [] });
    const caCert = await Deno.readTextFile(tls.certFile);
    await using plain = await startServer();
    await using secure = await startServer({
      env: { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile },
    });

    await t.step("a head trickled a line a second is closed after about 10 s", async () => {
      const trickle = { everyMs: 1000, giveUpMs: 30_000 };
      const [overHttp, overTls] = await Promise.all([
        trickleHeaders(plain.url, trickle),
        trickleHeaders(secure.url, { ...trickle, caCert }),
        // Meanwhile an honest request is answered at once.
        rawHttp(plain.url, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").then((answer) =>
          assert.equal(status(answer), 200)
        ),
      ]);
      report("slow headers", { httpOpenMs: overHttp.openMs, tlsOpenMs: overTls.openMs });
      // Never before the 10 s; closed at all, where it was held 84 s and more. How soon after the
      // 10 s is not asserted: a busy machine may take a few seconds more.
      for (const { openMs } of [overHttp, overTls]) {
        assert.ok(openMs >= 9000 && openMs < trickle.giveUpMs, `closed after ${openMs} ms`);
      }
    });

    await t.step("HTTPS answers carry Strict-Transport-Security; HTTP answers do not", async () => {
      const requests = {
        page: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        missing: "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n",
        badHost: "GET / HTTP/1.1\r\nHost: 999.1.1.1\r\n\r\n",
        tooManyHeaders: `GET / HTTP/1.1\r\nHost: x\r\n${"X: a\r\n".repeat(MAX_HEADERS)}\r\n`,
      };
      for (const [name, request] of Object.entries(requests)) {
        const overTls = await rawHttp(secure.url, request, { caCert });
        assert.match(overTls, /\r\nstrict-transport-security: max-age=31536000\r\n/i, name);
        const overHttp = await rawHttp(plain.url, request);
        assert.doesNotMatch(overHttp, /strict-transport-security/i, name);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
