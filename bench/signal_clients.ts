/**
 * One benchmark client per server under test, behind one interface: connect, join a room, send a
 * description or candidate, hear what arrives.
 *
 * - Parley: socket.io-client speaking `protocol/signaling.ts`: `join` (acknowledged), then
 *   `signal` without asking for acknowledgements, as Parley's web client sends them (a signal the
 *   server refused would show up as lost).
 * - The tutorial: socket.io-client emitting `signalingMessage` with `{ type, offer | answer |
 *   candidate }`, as the tutorial's page does.
 * - The bare relay: a plain WebSocket (npm:ws) to `/?room=<id>`, JSON frames.
 *
 * Both socket.io clients use the WebSocket transport only, so all three pay for one TCP connection
 * per client and no HTTP long-polling.
 *
 * @module
 */
import { io, type Socket } from "socket.io-client";
import { WebSocket } from "ws";
import { ClientEvent, type JoinAck, ServerEvent } from "../protocol/signaling.ts";
import type { Signal } from "./payloads.ts";

/** The servers the benchmark compares. */
export type Target = "parley" | "tutorial" | "bare";

/** A connected, joined client. */
export interface SignalClient {
  /** Sends a description or candidate towards the other member of the room. */
  send(signal: Signal): void;
  /** Called with each description or candidate received, normalized to {@linkcode Signal}. */
  onSignal: (signal: unknown) => void;
  /** Called once if the connection drops while the benchmark still needs it. */
  onDrop: (reason: string) => void;
  close(): void;
}

/** Options for {@linkcode connectClient}. */
export interface ConnectOptions {
  /** Base URL of the server, `http://127.0.0.1:PORT`. */
  url: string;
  room: string;
  session: string;
  /** Give up connecting after this long. */
  timeoutMs?: number;
}

/** Connects a client of `target` and joins it to `options.room`. */
export function connectClient(target: Target, options: ConnectOptions): Promise<SignalClient> {
  switch (target) {
    case "parley":
      return connectParley(options);
    case "tutorial":
      return connectTutorial(options);
    case "bare":
      return connectBare(options);
  }
}

function socketIo(url: string, timeoutMs: number): Promise<Socket> {
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
}

function watchDrops(socket: Socket, client: SignalClient): void {
  socket.on("disconnect", (reason) => {
    if (reason !== "io client disconnect") client.onDrop(reason);
  });
}

async function connectParley(options: ConnectOptions): Promise<SignalClient> {
  const socket = await socketIo(options.url, options.timeoutMs ?? 20_000);
  const ack = await socket.timeout(options.timeoutMs ?? 20_000).emitWithAck(ClientEvent.join, {
    room: options.room,
    session: options.session,
  }) as JoinAck;
  if (!ack.ok) {
    socket.close();
    throw new Error(`join refused: ${ack.error.code}`);
  }
  const client: SignalClient = {
    send: (signal) => socket.emit(ClientEvent.signal, signal),
    onSignal: () => {},
    onDrop: () => {},
    close: () => socket.close(),
  };
  socket.on(ServerEvent.signal, (signal: unknown) => client.onSignal(signal));
  watchDrops(socket, client);
  return client;
}

/** The tutorial's message shape: `{ type: "offer", offer }`, `{ type: "candidate", candidate }`. */
type TutorialMessage = { type: string; [key: string]: unknown };

function toTutorial(signal: Signal): TutorialMessage {
  if ("description" in signal) {
    return { type: signal.description.type, [signal.description.type]: signal.description };
  }
  return { type: "candidate", candidate: signal.candidate };
}

function fromTutorial(message: TutorialMessage): unknown {
  if (message?.type === "candidate") return { candidate: message.candidate };
  if (message?.type === "offer" || message?.type === "answer") {
    return { description: message[message.type] };
  }
  return message;
}

async function connectTutorial(options: ConnectOptions): Promise<SignalClient> {
  const socket = await socketIo(options.url, options.timeoutMs ?? 20_000);
  const client: SignalClient = {
    send: (signal) => socket.emit("signalingMessage", toTutorial(signal)),
    onSignal: () => {},
    onDrop: () => {},
    close: () => socket.close(),
  };
  socket.on("signalingMessage", (message: TutorialMessage) => {
    client.onSignal(fromTutorial(message));
  });
  watchDrops(socket, client);
  return client;
}

function connectBare(options: ConnectOptions): Promise<SignalClient> {
  const url = new URL(options.url);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("room", options.room);
  // npm:ws rather than Deno's WebSocket: Deno's client leaves Nagle's algorithm on, which holds a
  // second frame sent in a row back until the first is acknowledged (about 40 ms here), while ws
  // sets TCP_NODELAY as socket.io-client's own transport (also ws, under Deno) does.
  const socket = new WebSocket(url, { handshakeTimeout: options.timeoutMs ?? 20_000 });
  let closing = false;
  const client: SignalClient = {
    send: (signal) => socket.send(JSON.stringify(signal)),
    onSignal: () => {},
    onDrop: () => {},
    close: () => {
      closing = true;
      socket.close();
    },
  };
  socket.on("message", (data) => client.onSignal(JSON.parse(String(data))));
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      socket.on("close", () => {
        if (!closing) client.onDrop("closed by server");
      });
      resolve(client);
    });
    socket.once("error", (error) => reject(error));
  });
}
