/**
 * A client behind its own address for tests/server/trust_proxy_test.ts, run inside a network
 * namespace (`deno run --allow-net --allow-env --allow-read --cert=CA proxy_client.ts MODE URL COUNT
 * CA [X-FORWARDED-FOR]`, CA the server certificate's PEM file):
 *
 * - `connections`: opens COUNT Socket.IO connections to URL and keeps them a few seconds; prints
 *   how many connected and how many were refused.
 * - `rooms`: asks `POST /new` COUNT times (with the X-Forwarded-For given, if any, `{i}` in it
 *   replaced by the request's number); prints how many were opened (303) and refused (429).
 *
 * @module
 */
import { io } from "socket.io-client";

const [mode, url, countArg, caFile, forwardedFor] = Deno.args;
const count = Number(countArg);
// Socket.IO's client runs on node:https here, which takes the certificate to trust this way.
const ca = Deno.readTextFileSync(caFile);

if (mode === "connections") {
  const results = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ connected: boolean; socket: ReturnType<typeof io> }>((resolve) => {
          const socket = io(url, {
            transports: ["websocket"],
            reconnection: false,
            timeout: 10_000,
            ca,
          });
          socket.once("connect", () => resolve({ connected: true, socket }));
          socket.once("connect_error", () => resolve({ connected: false, socket }));
        }),
    ),
  );
  const connected = results.filter((r) => r.connected).length;
  console.log(JSON.stringify({ connected, refused: count - connected }));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (const { socket } of results) socket.disconnect();
} else {
  const statuses: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const headers: Record<string, string> = forwardedFor
      ? { "x-forwarded-for": forwardedFor.replace("{i}", String(i)) }
      : {};
    const response = await fetch(new URL("/new", url), {
      method: "POST",
      redirect: "manual",
      headers,
    });
    await response.body?.cancel();
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
  }
  console.log(JSON.stringify({ opened: statuses[303] ?? 0, refused: statuses[429] ?? 0 }));
}
Deno.exit(0);
