/**
 * Half-sent binary attachments, run as its own process
 * (`deno run --allow-net attachment_flood.ts URL COUNT ADDRESSES HOLD_MS ATTACHMENT_BYTES`) so the
 * test can give it a file limit of its own.
 *
 * Opens COUNT Socket.IO WebSocket connections to URL, spread over the source ADDRESSES
 * (comma-separated, this machine's: 127.0.0.2,127.0.0.3,...). Each connects the namespace, then
 * sends a binary event announcing two attachments and only the first (ATTACHMENT_BYTES), and
 * sends a pong a second for HOLD_MS: what a client holding the server's memory hostage does. Prints one
 * JSON line: how many connected, how many the server closed during the hold, how many failed.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import net from "node:net";

const [url, countArg, addressesArg, holdArg, bytesArg] = Deno.args;
const { hostname, port } = new URL(url);
const count = Number(countArg);
const addresses = addressesArg.split(",");
const attachment = Buffer.alloc(Number(bytesArg), 7);

/** A masked client frame (RFC 6455 §5.2): text (0x1) or binary (0x2). */
function frame(opcode: 1 | 2, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const out = Buffer.alloc(header + 4 + length);
  out[0] = 0x80 | opcode;
  if (length < 126) out[1] = 0x80 | length;
  else if (length < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = Buffer.from(crypto.getRandomValues(new Uint8Array(4)));
  mask.copy(out, header);
  for (let i = 0; i < length; i++) out[header + 4 + i] = payload[i] ^ mask[i % 4];
  return out;
}
const text = (packet: string) => frame(1, Buffer.from(packet));

let connected = 0;
let closedByServer = 0;
let failed = 0;
let holding = true;
const sockets: net.Socket[] = [];

function open(localAddress: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress });
    let seen = "";
    let stage: "upgrade" | "namespace" | "attack" = "upgrade";
    socket.on("connect", () => {
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      );
    });
    socket.on("data", (data: Buffer) => {
      seen += data.toString("latin1");
      if (stage === "upgrade" && seen.includes('"maxPayload"')) {
        if (!seen.startsWith("HTTP/1.1 101")) return socket.destroy();
        stage = "namespace";
        connected++;
        socket.write(text("40"));
      } else if (stage === "namespace" && seen.includes("40{")) {
        stage = "attack";
        resolve();
        // Two attachments announced, one sent.
        const placeholder = (num: number) => ({ _placeholder: true, num });
        socket.write(text(`452-["join",${JSON.stringify([placeholder(0), placeholder(1)])}]`));
        socket.write(frame(2, attachment));
        // A pong a second, so the connection looks alive whatever the server pings.
        pongs = setInterval(() => socket.write(text("3")), 1000);
      }
      if (seen.length > 4096) seen = seen.slice(-64);
    });
    let pongs: ReturnType<typeof setInterval> | undefined;
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(pongs);
      if (stage === "upgrade") failed++;
      else if (holding) closedByServer++;
      resolve();
    });
    sockets.push(socket);
  });
}

for (let i = 0; i < count; i += 50) {
  await Promise.all(
    Array.from(
      { length: Math.min(50, count - i) },
      (_, j) => open(addresses[(i + j) % addresses.length]),
    ),
  );
}
await new Promise((resolve) => setTimeout(resolve, Number(holdArg)));
holding = false;
console.log(JSON.stringify({ connected, closedByServer, failed }));
for (const socket of sockets) socket.destroy();
Deno.exit(0);
