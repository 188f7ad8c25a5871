/**
 * The relay floor: a bare WebSocket relay on `Deno.serve`. A client connects to `/?room=<id>`; the
 * first two clients of a room are paired and every frame one sends is forwarded, untouched, to the
 * other. No validation, no acknowledgements, no heartbeats: how fast relaying can be here, against
 * which Parley's price for doing it properly is measured.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-env bench/bare_relay.ts` (PORT, HOST); prints
 * `Bare relay listening on http://HOST:PORT/`.
 *
 * @module
 */
const rooms = new Map<string, WebSocket[]>();

const server = Deno.serve({
  hostname: Deno.env.get("HOST") || "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 0),
  onListen: ({ hostname, port }) =>
    console.log(`Bare relay listening on http://${hostname}:${port}/`),
}, (request) => {
  const room = new URL(request.url).searchParams.get("room");
  const members = rooms.get(room ?? "") ?? [];
  if (!room || request.headers.get("upgrade") !== "websocket" || members.length >= 2) {
    return new Response("connect a WebSocket to /?room=<id>, two per room", { status: 400 });
  }
  const { socket, response } = Deno.upgradeWebSocket(request);
  rooms.set(room, members);
  members.push(socket);
  socket.onmessage = (event) => {
    const other = members[0] === socket ? members[1] : members[0];
    if (other?.readyState === WebSocket.OPEN) other.send(event.data);
  };
  socket.onclose = () => {
    members.splice(members.indexOf(socket), 1);
    if (members.length === 0) rooms.delete(room);
  };
  return response;
});

Deno.addSignalListener("SIGTERM", () => server.shutdown().then(() => Deno.exit(0)));
