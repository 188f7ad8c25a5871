/**
 * A client of Parley and coturn that picks its own source addresses, run inside a network namespace
 * where a local route makes a whole IPv6 prefix this machine's (tests/server/relay_quota_test.ts):
 *
 *   deno run --allow-net relay_client.ts PARLEY_URL TURN_HOST TURN_PORT PREFIX CHECKS HOLD_MS
 *
 * It asks Parley's `check` for TURN credentials CHECKS times, each from a new connection and a new
 * random address of PREFIX (e.g. `2001:db8:a1:1` for that /64, `2001:db8:c3` for a /48), then allocates on coturn with each
 * credential, from new random addresses of PREFIX, until coturn refuses. It prints one JSON line of
 * what it got, `holding` on a line of its own, holds the allocations HOLD_MS, then releases them.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import net from "node:net";
import { allocate, type Allocation } from "./turn_client.ts";

/**
 * A random address under `prefix` (its first groups: four for a /64, three for a /48, whose every
 * address then lies in a /64 of its own, as an attacker rotating through a site's /64s picks).
 */
export function addressIn(prefix: string): string {
  const count = 8 - prefix.split(":").length;
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(count)), (g) => g.toString(16));
  return `${prefix}:${groups.join(":")}`;
}

/** A masked client text frame (RFC 6455 §5.2). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header = payload.length < 126 ? 2 : 4;
  const frame = Buffer.alloc(header + 4 + payload.length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = 0x80 | payload.length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  for (let i = 0; i < payload.length; i++) frame[header + 4 + i] = payload[i];
  return frame; // mask 0,0,0,0: a valid mask that leaves the payload as it is
}

/** The text frames in `data` (unmasked, from the server), and what is left of a partial one. */
function readFrames(data: Buffer): { texts: string[]; rest: Buffer } {
  const texts: string[] = [];
  let at = 0;
  while (at + 2 <= data.length) {
    let length = data[at + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > data.length) break;
      length = data.readUInt16BE(at + 2);
      header = 4;
    }
    if (at + header + length > data.length) break;
    texts.push(data.subarray(at + header, at + header + length).toString());
    at += header + length;
  }
  return { texts, rest: data.subarray(at) };
}

/** Asks Parley's `check` once, from `localAddress`; the TURN server with credentials, or null. */
export function checkFrom(
  url: string,
  localAddress: string,
): Promise<{ username: string; credential: string } | null> {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port), localAddress });
    let head = "";
    let frames: Buffer = Buffer.alloc(0);
    let upgraded = false;
    const done = (value: { username: string; credential: string } | null) => {
      socket.destroy();
      resolve(value);
    };
    setTimeout(() => done(null), 5000);
    socket.on("connect", () =>
      socket.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ));
    socket.on("data", (data: Buffer) => {
      if (!upgraded) {
        head += data.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (!head.startsWith("HTTP/1.1 101")) return done(null);
        upgraded = true;
        data = Buffer.from(head.slice(end + 4), "latin1");
      }
      const { texts, rest } = readFrames(Buffer.concat([frames, data]));
      frames = rest;
      for (const text of texts) {
        if (text.startsWith("0{")) socket.write(textFrame("40"));
        else if (text.startsWith("40{")) socket.write(textFrame('420["check"]'));
        else if (text.startsWith("430[")) {
          const [ack] = JSON.parse(text.slice(3));
          const turn = ack.ok
            ? ack.iceServers.find((s: { username?: string }) => s.username)
            : null;
          return done(turn ? { username: turn.username, credential: turn.credential } : null);
        }
      }
    });
    socket.on("error", () => done(null));
  });
}

if (import.meta.main) {
  const [url, turnHost, turnPort, prefix, checksArg, holdArg] = Deno.args;
  const credentials = [];
  for (let i = 0; i < Number(checksArg); i++) {
    const credential = await checkFrom(url, addressIn(prefix));
    if (credential) credentials.push(credential);
  }
  const held: Allocation[] = [];
  const refused = new Map<string, number>();
  for (const { username, credential } of credentials) {
    for (let n = 0; n < 50; n++) {
      const target = {
        host: turnHost,
        port: Number(turnPort),
        localAddress: addressIn(prefix),
        username,
        credential,
      };
      const allocation = await allocate(target, 3600);
      if (allocation.ok) held.push(allocation);
      else {
        const key = `${allocation.code} ${allocation.reason.replace(/\0/g, "")}`;
        refused.set(key, (refused.get(key) ?? 0) + 1);
        break;
      }
    }
  }
  console.log(JSON.stringify({
    credentials: credentials.length,
    turnUsers: new Set(credentials.map((c) => c.username.split(":")[1])).size,
    allocations: held.length,
    longestLifetimeSeconds: Math.max(0, ...held.map((a) => (a.ok ? a.lifetimeSeconds : 0))),
    refused: Object.fromEntries(refused),
  }));
  console.log("holding");
  await new Promise((resolve) => setTimeout(resolve, Number(holdArg)));
  await Promise.all(held.map((allocation) => allocation.ok && allocation.release()));
  Deno.exit(0);
}
