/**
 * A connection flood, run as its own process (`deno run --allow-net connection_flood.ts URL N`)
 * so the test can give it a file limit above the server's whatever the test runner has.
 *
 * Opens N TCP connections to URL, each with an unfinished HTTP request (so an accepted one stays
 * open), waits a moment, and prints one JSON line: how many connected, how many the server closed
 * at once, how many could not connect. Then closes them all and exits.
 *
 * @module
 */
const [url, countArg, holdArg = "1500"] = Deno.args;
const { hostname, port } = new URL(url);
const count = Number(countArg);
const request = new TextEncoder().encode(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n`);

const conns: Deno.TcpConn[] = [];
let connected = 0;
let closedByServer = 0;
let failedToConnect = 0;
const reads: Promise<void>[] = [];

for (let i = 0; i < count; i += 50) {
  await Promise.all(
    Array.from({ length: Math.min(50, count - i) }, async () => {
      try {
        const conn = await Deno.connect({ hostname, port: Number(port) });
        conns.push(conn);
        connected++;
        await conn.write(request).catch(() => {});
        reads.push(
          conn.read(new Uint8Array(1024)).then(
            () => void closedByServer++,
            () => void closedByServer++,
          ),
        );
      } catch {
        failedToConnect++;
      }
    }),
  );
}
await new Promise((resolve) => setTimeout(resolve, Number(holdArg)));
console.log(JSON.stringify({ connected, closedByServer, failedToConnect }));
for (const conn of conns) {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
Deno.exit(0);
