/**
 * Chat (client/chat/chat.ts): messages both ways over the message bus, untrusted input dropped, and
 * links only for http and https addresses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createChat, linkParts, MAX_CHAT_CHARS } from "../../client/chat/chat.ts";
import type { PeerMessage, PeerMessages } from "../../client/effects/peer_messages.ts";

function fakeBus() {
  const handlers = new Map<string, (message: PeerMessage) => void>();
  const sent: PeerMessage[] = [];
  const bus: PeerMessages = {
    send: (message) => (sent.push(message), true),
    on: (type, handler) => (handlers.set(type, handler), () => handlers.delete(type)),
    onOpen: () => () => {},
  };
  return { bus, sent, deliver: (message: PeerMessage) => handlers.get(message.type)?.(message) };
}

Deno.test("messages go out as type chat and come in as theirs; bad ones are dropped", () => {
  const { bus, sent, deliver } = fakeBus();
  const chat = createChat(() => {});
  chat.attach(bus);
  assert.ok(chat.send("  hello  "));
  assert.deepEqual(sent, [{ type: "chat", text: "hello" }]);
  deliver({ type: "chat", text: "hi back" });
  deliver({ type: "chat", text: 42 });
  deliver({ type: "chat", text: "x".repeat(MAX_CHAT_CHARS + 1) });
  deliver({ type: "chat", text: "   " });
  assert.deepEqual(chat.messages.map((m) => [m.from, m.text]), [["me", "hello"], [
    "them",
    "hi back",
  ]]);
});

Deno.test("without a connection a message is not sent, and says so", () => {
  const chat = createChat(() => {});
  assert.equal(chat.send("hello"), false);
  assert.equal(chat.messages.length, 0);
});

Deno.test("links: http and https only, sentence punctuation left out, the rest plain text", () => {
  assert.deepEqual(linkParts("see https://example.org/a?b=1. ok"), [
    { text: "see " },
    { text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
    { text: ". ok" },
  ]);
  assert.deepEqual(linkParts("javascript:alert(1) data:text/html,<b>x</b>"), [
    { text: "javascript:alert(1) data:text/html,<b>x</b>" },
  ]);
  assert.deepEqual(linkParts(`<img src=x onerror="alert(1)">`), [
    { text: `<img src=x onerror="alert(1)">` },
  ]);
  assert.deepEqual(linkParts("(http://a.example)"), [
    { text: "(" },
    { text: "http://a.example", href: "http://a.example/" },
    { text: ")" },
  ]);
});
