/**
 * The attacker of bench/attacks.ts, a process of its own:
 *
 *   deno run --allow-net bench/request_flood.ts URL HEADERS PER_SECOND
 *
 * prints `ready`, then for each line MS it reads: sends `GET /healthz` with HEADERS empty headers
 * besides Host on a new connection PER_SECOND times a second for MS, then prints one JSON line of
 * how the server answered (status → count; `closed`, `error`). It ends when its input does.
 *
 * @module
 */

/** GET /healthz with `count` headers besides Host. */
const withHeaders = (count: number) =>
  "GET /healthz HTTP/1.1\r\nHost: localhost\r\n" +
  Array.from({ length: count }, (_, i) => `X-${i}: \r\n`).join("") + "\r\n";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends `request` on a new connection `perSecond` times a second for `ms`; counts the answers. */
async function send(
  url: string,
  request: string,
  perSecond: number,
  ms: number,
): Promise<Record<string, number>> {
  const { hostname, port } = new URL(url);
  const bytes = new TextEncoder().encode(request);
  const answers: Record<string, number> = {};
  const sent: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    sent.push((async () => {
      const conn = await Deno.connect({ hostname, port: Number(port) });
      try {
        await conn.write(bytes);
        const buffer = new Uint8Array(64);
        const n = await conn.read(buffer);
        const status = n ? new TextDecoder().decode(buffer.subarray(9, 12)) : "closed";
        answers[status] = (answers[status] ?? 0) + 1;
      } catch {
        answers.error = (answers.error ?? 0) + 1;
      } finally {
        conn.close();
      }
    })());
    await sleep(Math.max(0, started + ((i + 1) * 1000) / perSecond - performance.now()));
  }
  await Promise.all(sent);
  return answers;
}

if (import.meta.main) {
  const [url, headers, perSecond] = Deno.args;
  const request = withHeaders(Number(headers));
  console.log("ready");
  let pending = "";
  for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const windows = pending.split("\n");
    pending = windows.pop()!;
    for (const ms of windows) {
      console.log(JSON.stringify(await send(url, request, Number(perSecond), Number(ms))));
    }
  }
}
