/**
 * The floor: a bare WebSocket relay on `Deno.serve`. A client connects to `/?room=<id>`; the first
 * two clients of a room are paired and every text frame one sends is forwarded, untouched, to the
 * other. No validation, no acknowledgements, no heartbeats: how fast relaying can be on this
 * machine, against which Parley's price for doing it properly is measured.
 *
 * Run: `deno run --allow-net --allow-env bench/bare_relay.ts` (PORT, default 0; HOST, default
 * 127.0.0.1). Prints `Bare relay listening on http://HOST:PORT/`.
 *
 * @module
 */

/** Options for {@linkcode serveBareRelay}. */
export interface BareRelayOptions {
  hostname?: string;
  port?: number;
  onListen?: (address: { hostname: string; port: number }) => void;
}

/** Starts the relay; returns the running server. */
export function serveBareRelay(options: BareRelayOptions = {}): Deno.HttpServer {
  const rooms = new Map<string, WebSocket[]>();
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 0,
    onListen: options.onListen ?? (() => {}),
  }, (request) => {
    const room = new URL(request.url).searchParams.get("room");
    if (!room || request.headers.get("upgrade") !== "websocket") {
      return new Response("bare relay: connect a WebSocket to /?room=<id>", { status: 400 });
    }
    const members = rooms.get(room) ?? [];
    if (members.length >= 2) return new Response("room full", { status: 409 });
    const { socket, response } = Deno.upgradeWebSocket(request);
    members.push(socket);
    rooms.set(room, members);
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
}

if (import.meta.main) {
  const server = serveBareRelay({
    hostname: Deno.env.get("HOST") || "127.0.0.1",
    port: Number(Deno.env.get("PORT") ?? 0),
    onListen: ({ hostname, port }) => {
      console.log(`Bare relay listening on http://${hostname}:${port}/`);
    },
  });
  const stop = () => server.shutdown().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
