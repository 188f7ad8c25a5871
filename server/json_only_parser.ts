/**
 * Socket.IO's parser, less its binary half. Parley's protocol is JSON: a binary packet (a
 * `BINARY_EVENT` announcing attachments, or a bare binary frame) is never sent by Parley's client,
 * and the stock decoder holds a half-sent packet's attachments for as long as the connection lives
 * (1.3 MB per connection that answered pings). This decoder refuses them: Socket.IO closes a
 * connection whose packet does not decode. {@linkcode dropBinarySenders} does it sooner, and
 * harder: the connection is cut before its next byte is read, not closed politely (which waits
 * up to 30 s for the client's close frame while taking in whatever it sends).
 *
 * @module
 */
import { Decoder as SocketIoDecoder, Encoder, PacketType } from "socket.io-parser";

/** The stock decoder, refusing binary packets and binary data. */
export class JsonOnlyDecoder extends SocketIoDecoder {
  override add(chunk: unknown): void {
    if (isBinary(chunk)) throw new Error("binary packets refused");
    super.add(chunk);
  }
}

/** Whether an Engine.IO message is a binary packet or binary data. */
function isBinary(data: unknown): boolean {
  if (typeof data !== "string") return true;
  const type = Number(data.charAt(0));
  return type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK;
}

/** An Engine.IO connection, as far as cutting it goes. */
export interface EngineConnection {
  on(event: "packet", listener: (packet: { type: string; data?: unknown }) => void): unknown;
  /** The WebSocket transport's `ws` socket (`terminate()` drops it at once). */
  transport?: { socket?: { terminate?: () => void } };
  close(): unknown;
}

/** Cuts `conn` the moment it sends a binary packet, before Socket.IO's decoder sees it. */
export function dropBinarySenders(conn: EngineConnection): void {
  conn.on("packet", (packet) => {
    if (packet.type !== "message" || !isBinary(packet.data)) return;
    const terminate = conn.transport?.socket?.terminate;
    if (terminate) terminate.call(conn.transport!.socket);
    else conn.close();
  });
}

/** What Socket.IO's `parser` option takes. */
export const jsonOnlyParser = { Encoder, Decoder: JsonOnlyDecoder };
