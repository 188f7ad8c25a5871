/**
 * Test helpers for hostile clients: Socket.IO spoken by hand over a raw TCP connection, so a test
 * can do what no well-behaved client does (never read, send what it likes), and raw HTTP requests.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A WebSocket frame from the client: FIN, text, masked (RFC 6455 §5.2). */
export function clientFrame(text: string): Uint8Array {
  const payload = encoder.encode(text);
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(header + 4 + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    new DataView(frame.buffer).setUint16(2, length);
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  const mask = crypto.getRandomValues(new Uint8Array(4));
  frame.set(mask, header);
  for (let i = 0; i < length; i++) frame[header + 4 + i] = payload[i] ^ mask[i % 4];
  return frame;
}

/** Reads from `conn` until the end of the HTTP response head; returns the head. */
async function readHead(conn: Deno.Conn, timeoutMs: number): Promise<string> {
  const buffer = new Uint8Array(4096);
  let head = "";
  const deadline = Date.now() + timeoutMs;
  while (!head.includes("\r\n\r\n") && Date.now() < deadline) {
    const n = await conn.read(buffer);
    if (n === null) break;
    head += decoder.decode(buffer.subarray(0, n));
  }
  return head;
}

/** A raw Socket.IO client over WebSocket. */
export interface RawClient {
  /** The HTTP status line of the upgrade answer (`HTTP/1.1 101 Switching Protocols`). */
  status: string;
  /** Everything the first reads brought: the answer's head, and the body of a refusal. */
  head: string;
  /** Sends one Socket.IO packet, e.g. `40` (connect) or `42["join",{...}]` (an event). */
  send(packet: string): Promise<void>;
  /** Reads (frames and all, unparsed) until what came includes `text`; false after `timeoutMs`. */
  readUntil(text: string, timeoutMs?: number): Promise<boolean>;
  /** Reads until what came matches `until`; resolves with all it read (null: closed, or late). */
  collectUntil(until: string | RegExp, timeoutMs?: number): Promise<string | null>;
  /** Sends an Engine.IO pong (`3`) every `ms`, without reading the pings: a live-looking client. */
  keepAlive(ms: number): void;
  close(): void;
}

/**
 * Opens a Socket.IO WebSocket connection by hand and reads only the upgrade answer and the
 * Engine.IO open packet: after that, nothing is read unless the test asks.
 */
export async function rawSocketIo(
  url: string,
  options: { origin?: string } = {},
): Promise<RawClient & { conn: Deno.TcpConn }> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const origin = options.origin ? `Origin: ${options.origin}\r\n` : "";
  await conn.write(encoder.encode(
    `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
      `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
      `Sec-WebSocket-Version: 13\r\n${origin}\r\n`,
  ));
  let head = await readHead(conn, 5000);
  // Bytes sent before the server's WebSocket is set up can be lost: wait for its open packet.
  const buffer = new Uint8Array(4096);
  while (head.startsWith("HTTP/1.1 101") && !head.includes('"maxPayload"')) {
    const n = await conn.read(buffer);
    if (n === null) break;
    head += decoder.decode(buffer.subarray(0, n));
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  // What came with the head and was not read yet.
  let leftover = head.slice(head.indexOf("\r\n\r\n") + 4);
  const client = {
    conn,
    status: head.split("\r\n")[0],
    head,
    async send(packet: string) {
      if (!closed) await conn.write(clientFrame(packet));
    },
    async readUntil(text: string, timeoutMs = 5000) {
      return (await client.collectUntil(text, timeoutMs)) !== null;
    },
    async collectUntil(until: string | RegExp, timeoutMs = 5000) {
      const buffer = new Uint8Array(64 * 1024);
      const deadline = Date.now() + timeoutMs;
      const done = (seen: string) =>
        typeof until === "string" ? seen.includes(until) : until.test(seen);
      let seen = leftover;
      leftover = "";
      // Between reads: a server that sends nothing holds the read (the test's own timeout ends it).
      while (!done(seen) && Date.now() < deadline) {
        const n = await conn.read(buffer).catch(() => null);
        if (n === null) return null;
        seen += decoder.decode(buffer.subarray(0, n), { stream: true });
      }
      return done(seen) ? seen : null;
    },
    keepAlive(ms: number) {
      timer = setInterval(() => client.send("3").catch(() => {}), ms);
    },
    close() {
      clearInterval(timer);
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Closed by the server already.
      }
    },
  };
  return client;
}

/** A TCP connection to `url`'s host, over TLS for https (trusting `caCert`, PEM). */
function connectTo(url: string, caCert?: string): Promise<Deno.Conn> {
  const { hostname, port, protocol } = new URL(url);
  return protocol === "https:"
    ? Deno.connectTls({ hostname, port: Number(port), caCerts: caCert ? [caCert] : undefined })
    : Deno.connect({ hostname, port: Number(port) });
}

/** Sends `request` as is over a new connection; resolves with the answer's head (and more). */
export async function rawHttp(
  url: string,
  request: string,
  options: { timeoutMs?: number; caCert?: string } = {},
): Promise<string> {
  const conn = await connectTo(url, options.caCert);
  try {
    await conn.write(encoder.encode(request));
    return await readHead(conn, options.timeoutMs ?? 5000);
  } finally {
    conn.close();
  }
}

/**
 * Slowloris: sends a request head one header line every `everyMs`, never finishing it, until the
 * server closes the connection or `giveUpMs` passes; resolves with how long it stayed open (ms),
 * or Infinity, and what the server sent.
 */
export async function trickleHeaders(
  url: string,
  options: { everyMs: number; giveUpMs: number; caCert?: string },
): Promise<{ openMs: number; answer: string }> {
  const conn = await connectTo(url, options.caCert);
  const started = performance.now();
  let answer = "";
  let closed = false;
  const reading = (async () => {
    const buffer = new Uint8Array(1024);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      answer += decoder.decode(buffer.subarray(0, n));
    }
    closed = true;
  })();
  try {
    await conn.write(encoder.encode(`GET / HTTP/1.1\r\nHost: ${new URL(url).host}\r\n`));
    for (let line = 0; !closed && performance.now() - started < options.giveUpMs; line++) {
      await new Promise((resolve) => setTimeout(resolve, options.everyMs));
      await conn.write(encoder.encode(`X-Trickle-${line}: a\r\n`)).catch(() => {});
    }
    return { openMs: closed ? performance.now() - started : Infinity, answer };
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the server.
    }
    await reading;
  }
}
