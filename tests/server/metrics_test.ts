/**
 * `/metrics` on a listener of its own (METRICS_HOST:METRICS_PORT, loopback by default), never on
 * the public port, whatever the path's disguise; a scrape changes nothing it reports.
 */
import assert from "node:assert/strict";
import { sleep } from "../helpers/hostile.ts";
import { rawHttp } from "../helpers/raw_socket_io.ts";
import { metricsUrl, startServer } from "../helpers/server.ts";

const status = (answer: string) => Number(answer.split(" ")[1]);

function gauge(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
}

Deno.test("metrics: on their own loopback listener, never on the public port", async (t) => {
  await using server = await startServer();
  const url = metricsUrl(server);

  await t.step("the public port answers 404 for /metrics in every disguise", async () => {
    for (const path of ["/metrics", "/%6detrics", "//x/metrics", "/metrics/", "/./metrics"]) {
      const answer = await rawHttp(server.url, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      assert.equal(status(answer), 404, path);
      assert.doesNotMatch(answer, /parley_/, path);
    }
  });

  await t.step("the metrics listener is on loopback and serves only /metrics", async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^parley_connections 0$/m);
    const other = await fetch(url.replace("/metrics", "/healthz"));
    await other.body?.cancel();
    assert.equal(other.status, 404);
  });

  await t.step("scrapes change nothing: the worst lag of the last minute stays", async () => {
    const lagMax = async () =>
      gauge(await (await fetch(url)).text(), "parley_event_loop_lag_max_seconds");
    // The sampler needs a moment to see a lag at all.
    const deadline = Date.now() + 5000;
    while (await lagMax() === 0 && Date.now() < deadline) await sleep(250);
    const scrapes: number[] = [];
    for (let i = 0; i < 5; i++) scrapes.push(await lagMax());
    assert.ok(scrapes[0] > 0, `a lag was sampled: ${scrapes[0]}`);
    for (const value of scrapes) assert.ok(value >= scrapes[0], `${scrapes.join(" ")}`);
  });
});

Deno.test("metrics: METRICS_HOST and METRICS_PORT move them, off turns them off", async (t) => {
  await t.step("METRICS_HOST=127.0.0.2", async () => {
    await using server = await startServer({ env: { METRICS_HOST: "127.0.0.2" } });
    assert.match(metricsUrl(server), /^http:\/\/127\.0\.0\.2:\d+\/metrics$/);
    assert.equal((await fetch(metricsUrl(server)).then((r) => r.text())).includes("parley_"), true);
  });

  await t.step("METRICS_PORT=off: none, and the startup line says so", async () => {
    await using server = await startServer({ env: { METRICS_PORT: "off" } });
    assert.match(server.output(), /metrics: off/);
  });

  await t.step("a busy METRICS_PORT is a clear startup error", async () => {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = String((busy.addr as Deno.NetAddr).port);
      await assert.rejects(
        () => startServer({ env: { METRICS_PORT: port } }),
        (error: Error) => /METRICS_PORT: cannot listen on 127\.0\.0\.1:\d+/.test(error.message),
      );
    } finally {
      busy.close();
    }
  });
});
