/**
 * The data-channel message bus (client/effects/peer_messages.ts): by type, one listener per channel,
 * untrusted input dropped, a flood cut before it is parsed.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PEER_LIMITS } from "../../client/effects/peer_limits.ts";
import {
  MAX_MESSAGE_BYTES,
  type MessageChannel,
  peerMessages,
} from "../../client/effects/peer_messages.ts";

class FakeChannel extends EventTarget implements MessageChannel {
  readyState = "connecting";
  sent: string[] = [];
  send(data: string): void {
    this.sent.push(data);
  }
  deliver(data: unknown): void {
    this.dispatchEvent(new MessageEvent("message", { data }));
  }
  open(): void {
    this.readyState = "open";
    this.dispatchEvent(new Event("open"));
  }
}

Deno.test("messages reach the listeners of their type only; one bus per channel", () => {
  const channel = new FakeChannel();
  const chat: unknown[] = [];
  const presence: unknown[] = [];
  peerMessages(channel).on("chat", (m) => chat.push(m.text));
  const stop = peerMessages(channel).on("presence", (m) => presence.push(m.micOn));
  channel.deliver(JSON.stringify({ type: "chat", text: "hi" }));
  channel.deliver(JSON.stringify({ type: "presence", micOn: false }));
  stop();
  channel.deliver(JSON.stringify({ type: "presence", micOn: true }));
  assert.deepEqual(chat, ["hi"]);
  assert.deepEqual(presence, [false]);
});

Deno.test("what is not a typed JSON object of a sane size is dropped", () => {
  const channel = new FakeChannel();
  const seen: unknown[] = [];
  peerMessages(channel).on("chat", (m) => seen.push(m));
  for (
    const data of [
      "not json",
      "[1,2]",
      "null",
      JSON.stringify({ text: "no type" }),
      JSON.stringify({ type: 3 }),
      new ArrayBuffer(4),
      JSON.stringify({ type: "chat", text: "x".repeat(MAX_MESSAGE_BYTES) }),
    ]
  ) channel.deliver(data);
  assert.deepEqual(seen, []);
});

Deno.test("sending waits for nothing: before the channel opens it says it could not", () => {
  const channel = new FakeChannel();
  const bus = peerMessages(channel);
  let opened = 0;
  bus.onOpen(() => opened++);
  assert.equal(bus.send({ type: "chat", text: "early" }), false);
  channel.open();
  assert.equal(opened, 1);
  assert.equal(bus.send({ type: "chat", text: "now" }), true);
  assert.deepEqual(channel.sent, [JSON.stringify({ type: "chat", text: "now" })]);
});

Deno.test("a flood is cut at the channel's rate before it is read; each channel has its own", () => {
  const flooded = new FakeChannel();
  const calm = new FakeChannel();
  const seen = { flooded: 0, calm: 0 };
  // The clock stands still: however slowly this machine runs the loop, no tokens come back.
  const still = () => 0;
  peerMessages(flooded, still).on("chat", () => seen.flooded++);
  peerMessages(calm, still).on("chat", () => seen.calm++);
  let parsed = 0;
  const parse = JSON.parse;
  JSON.parse = (...args: Parameters<typeof JSON.parse>) => (parsed++, parse(...args));
  try {
    for (let i = 0; i < 10_000; i++) flooded.deliver(JSON.stringify({ type: "chat", text: "x" }));
  } finally {
    JSON.parse = parse;
  }
  const { burst } = PEER_LIMITS.messages;
  assert.equal(seen.flooded, burst);
  assert.equal(parsed, seen.flooded, "what is over the rate is never parsed");
  calm.deliver(JSON.stringify({ type: "chat", text: "hello" }));
  assert.equal(seen.calm, 1);
});
