/**
 * Socket.IO clients speaking Parley's signaling as a page would: join a room, relay a signal, and
 * check that what one sends reaches the other exactly. Shared by the server's signaling tests.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Socket } from "socket.io-client";
import {
  type Ack,
  type Candidate,
  type IncomingSignal,
  type JoinAck,
  type Joined,
  newRoomId,
  randomToken,
  type SignalMessage,
} from "../../protocol/signaling.ts";
import { type ClientGroup, emitWithAck, nextEvent } from "./server.ts";

export const offer = {
  description: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\n" },
} satisfies SignalMessage;
export const candidate: Candidate = {
  candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

export function session(): string {
  return randomToken(9);
}

export function join(
  socket: Socket,
  room: string,
  extra: Record<string, unknown> = {},
): Promise<JoinAck> {
  return emitWithAck<JoinAck>(socket, "join", { room, session: session(), ...extra });
}

export async function joined(socket: Socket, room: string, extra: Record<string, unknown> = {}) {
  const ack = await join(socket, room, extra);
  assert.equal(ack.ok, true, `join failed: ${JSON.stringify(ack)}`);
  return ack as { ok: true } & Joined;
}

export function signal(socket: Socket, payload: unknown): Promise<Ack> {
  return emitWithAck<Ack>(socket, "signal", payload);
}

export function errorCode(ack: Ack): string | undefined {
  return ack.ok ? undefined : ack.error.code;
}

/** Two clients seated in a fresh room, the first having seen the second arrive. */
export async function pair(clients: ClientGroup, room = newRoomId()) {
  const a = await clients.connect();
  const b = await clients.connect();
  const sessionA = session();
  const sessionB = session();
  const ackA = await joined(a, room, { session: sessionA });
  const arrived = nextEvent(a, "peer-joined");
  const ackB = await joined(b, room, { session: sessionB });
  await arrived;
  return { room, a, b, ackA, ackB, sessionA, sessionB };
}

/** What a received signal carries, without whom it is from. */
export function content({ from: _, ...message }: IncomingSignal): SignalMessage {
  return message as SignalMessage;
}

/** Sends `payload` on `from` and checks it reaches `to` exactly as sent, saying who sent it. */
export async function assertRelays(from: Socket, to: Socket, payload: SignalMessage = offer) {
  const received = nextEvent<IncomingSignal>(to, "signal");
  assert.deepEqual(await signal(from, payload), { ok: true });
  const heard = await received;
  assert.deepEqual(content(heard), payload);
  assert.match(heard.from, /^[A-Za-z0-9_-]{8,64}$/, "it says whom it is from");
}
