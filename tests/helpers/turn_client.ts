/**
 * Test helpers: a TURN client small enough to read (RFC 8656 Allocate over UDP with the long-term
 * credential mechanism of RFC 8489), so a test can hold relay allocations the way an attacker
 * would, from the source address it chooses, with the credentials Parley hands out.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, createHmac, randomBytes } from "node:crypto";
import dgram from "node:dgram";

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const SUCCESS = 0x0100;
const ATTR = {
  username: 0x0006,
  integrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  realm: 0x0014,
  nonce: 0x0015,
  transport: 0x0019,
} as const;

/** Where the TURN server listens, and who asks. */
export interface TurnTarget {
  host: string;
  port: number;
  /** The source address to send from (it must be this machine's, or under a local route). */
  localAddress: string;
  username: string;
  credential: string;
}

/** An allocation held (until `release` or its lifetime ends), or why it was refused. */
export type Allocation =
  | { ok: true; lifetimeSeconds: number; release(): Promise<void> }
  | { ok: false; code: number; reason: string };

/** Asks for one UDP relay allocation of `lifetimeSeconds` (the server may grant less). */
export async function allocate(target: TurnTarget, lifetimeSeconds = 3600): Promise<Allocation> {
  const family = target.host.includes(":") ? "udp6" : "udp4";
  const socket = dgram.createSocket(family);
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address: target.localAddress }, () => resolve());
  });
  const exchange = (request: Buffer) => transact(socket, target, request);
  const transport = Buffer.from([17, 0, 0, 0]); // UDP
  const lifetime = u32(lifetimeSeconds);
  // The first request is answered 401 with the realm and a nonce to sign with.
  const challenge = await exchange(message(ALLOCATE, [[ATTR.transport, transport]]));
  const realm = challenge.attributes.get(ATTR.realm);
  const nonce = challenge.attributes.get(ATTR.nonce);
  if (!realm || !nonce) {
    socket.close();
    return { ok: false, code: challenge.code ?? 0, reason: "no challenge" };
  }
  const key = createHash("md5")
    .update(`${target.username}:${realm.toString()}:${target.credential}`)
    .digest();
  const signed = (type: number, extra: [number, Buffer][]) =>
    message(type, [
      ...extra,
      [ATTR.username, Buffer.from(target.username)],
      [ATTR.realm, realm],
      [ATTR.nonce, nonce],
    ], key);
  const answer = await exchange(signed(ALLOCATE, [[ATTR.transport, transport], [
    ATTR.lifetime,
    lifetime,
  ]]));
  if ((answer.type & 0x0110) !== SUCCESS) {
    socket.close();
    return { ok: false, code: answer.code ?? 0, reason: answer.reason };
  }
  return {
    ok: true,
    lifetimeSeconds: answer.attributes.get(ATTR.lifetime)?.readUInt32BE(0) ?? 0,
    release: async () => {
      await exchange(signed(REFRESH, [[ATTR.lifetime, u32(0)]])).catch(() => {});
      socket.close();
    },
  };
}

interface Answer {
  type: number;
  code: number | null;
  reason: string;
  attributes: Map<number, Buffer>;
}

/** Sends `request` (retrying twice) and resolves with the answer of the same transaction. */
function transact(socket: dgram.Socket, target: TurnTarget, request: Buffer): Promise<Answer> {
  const id = request.subarray(8, 20);
  return new Promise((resolve, reject) => {
    let tries = 0;
    const send = () => {
      if (tries++ === 3) {
        socket.off("message", onMessage);
        return reject(new Error("TURN server did not answer"));
      }
      socket.send(request, target.port, target.host);
      timer = setTimeout(send, 1000);
    };
    let timer = setTimeout(send, 0);
    const onMessage = (data: Buffer) => {
      if (data.length < 20 || !data.subarray(8, 20).equals(id)) return;
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve(parse(data));
    };
    socket.on("message", onMessage);
  });
}

function parse(data: Buffer): Answer {
  const attributes = new Map<number, Buffer>();
  for (let at = 20; at + 4 <= data.length;) {
    const type = data.readUInt16BE(at);
    const length = data.readUInt16BE(at + 2);
    attributes.set(type, data.subarray(at + 4, at + 4 + length));
    at += 4 + Math.ceil(length / 4) * 4;
  }
  const error = attributes.get(ATTR.errorCode);
  return {
    type: data.readUInt16BE(0),
    code: error ? (error[2] & 0x7) * 100 + error[3] : null,
    reason: error ? error.subarray(4).toString() : "",
    attributes,
  };
}

/** A STUN message of `type` with `attributes`, signed with `key` (MESSAGE-INTEGRITY) if given. */
function message(type: number, attributes: [number, Buffer][], key?: Buffer): Buffer {
  const body = Buffer.concat(attributes.map(([t, value]) => attribute(t, value)));
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC, 4);
  randomBytes(12).copy(header, 8);
  const unsigned = Buffer.concat([header, body]);
  if (!key) return unsigned;
  const integrity = createHmac("sha1", key).update(unsigned).digest();
  return Buffer.concat([unsigned, attribute(ATTR.integrity, integrity)]);
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value, 0);
  return buffer;
}
