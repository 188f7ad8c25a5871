/**
 * Chat (client/chat/chat.ts): messages both ways over the message bus, untrusted input dropped or
 * made safe to show, a flood cut to the rate a person writes at (the rest counted), and links
 * only for http and https addresses.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  type ChatMessage,
  createChat,
  linkParts,
  MAX_CHAT_CHARS,
  MAX_WAITING,
} from "../../client/chat/chat.ts";
import { PEER_LIMITS } from "../../client/effects/peer_limits.ts";
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

function recordingChat() {
  const messages: ChatMessage[] = [];
  let leftOut = 0;
  const chat = createChat({ onMessage: (m) => messages.push(m), onLeftOut: () => leftOut++ });
  return { chat, messages, leftOut: () => leftOut };
}

Deno.test("messages go out as type chat and come in as theirs; bad ones are dropped", () => {
  const { bus, sent, deliver } = fakeBus();
  const { chat, messages } = recordingChat();
  chat.attach(bus);
  assert.ok(chat.send("  hello  "));
  assert.deepEqual(sent, [{ type: "chat", text: "hello" }]);
  deliver({ type: "chat", text: "hi back" });
  deliver({ type: "chat", text: 42 });
  deliver({ type: "chat", text: "x".repeat(MAX_CHAT_CHARS + 1) });
  deliver({ type: "chat", text: "   " });
  assert.deepEqual(messages.map((m) => [m.from, m.text]), [["me", "hello"], [
    "them",
    "hi back",
  ]]);
});

/** A bus whose channel is still opening until `open()`. */
function openingBus() {
  const sent: PeerMessage[] = [];
  let open = false;
  const opened = new Set<() => void>();
  const bus: PeerMessages = {
    send: (message) => open && (sent.push(message), true),
    on: () => () => {},
    onOpen: (handler) => (opened.add(handler), () => opened.delete(handler)),
  };
  return {
    bus,
    sent,
    open() {
      open = true;
      for (const handler of opened) handler();
    },
  };
}

Deno.test("in a group, a connection still opening gets what was said meanwhile once it opens", () => {
  const ben = fakeBus();
  const cy = openingBus();
  const { chat, messages } = recordingChat();
  chat.attach(ben.bus, "ben");
  chat.attach(cy.bus, "cy");
  assert.ok(chat.send("first"));
  assert.ok(chat.send("second"));
  assert.equal(cy.sent.length, 0);
  cy.open();
  assert.deepEqual(cy.sent.map((m) => m.text), ["first", "second"]);
  assert.deepEqual(ben.sent.map((m) => m.text), ["first", "second"]);
  assert.deepEqual(messages.map((m) => m.text), ["first", "second"], "each shown once");
  chat.send("third");
  assert.deepEqual(cy.sent.map((m) => m.text), ["first", "second", "third"]);
});

Deno.test("what waits for a connection is bounded, and let go with it", () => {
  const ben = fakeBus();
  const cy = openingBus();
  const { chat } = recordingChat();
  chat.attach(ben.bus, "ben");
  const stop = chat.attach(cy.bus, "cy");
  for (let i = 0; i < MAX_WAITING + 10; i++) chat.send(`m${i}`);
  cy.open();
  assert.equal(cy.sent.length, MAX_WAITING, "the first MAX_WAITING");
  assert.equal(cy.sent.at(-1)!.text, `m${MAX_WAITING - 1}`);
  const dee = openingBus();
  const stopDee = chat.attach(dee.bus, "dee");
  chat.send("to a connection that goes before opening");
  stopDee();
  dee.open();
  assert.deepEqual(dee.sent, []);
  stop();
});

Deno.test("with nobody's connection open a message is not sent, nor kept, and says so", () => {
  const cy = openingBus();
  const { chat, messages } = recordingChat();
  chat.attach(cy.bus, "cy");
  assert.equal(chat.send("hello"), false);
  cy.open();
  assert.deepEqual(cy.sent, []);
  assert.equal(messages.length, 0);
});

Deno.test("without a connection a message is not sent, and says so", () => {
  const { chat, messages } = recordingChat();
  assert.equal(chat.send("hello"), false);
  assert.equal(messages.length, 0);
});

Deno.test("their text is shown safely: no override, no invisible filler, one line", () => {
  const { bus, sent, deliver } = fakeBus();
  const { chat, messages } = recordingChat();
  chat.attach(bus);
  deliver({ type: "chat", text: "see https://example.org/\u202Egpj.exe\n\nAda: trust me" });
  deliver({ type: "chat", text: "\u3164\u200B\u202E" });
  chat.send("mine\u202E too");
  assert.deepEqual(messages.map((m) => m.text), [
    "see https://example.org/gpj.exe  Ada: trust me",
    "mine too",
  ]);
  assert.deepEqual(sent, [{ type: "chat", text: "mine too" }]);
});

Deno.test("a flood: a burst is shown, the rest counted as left out; each connection its own", () => {
  const first = fakeBus();
  const { chat, messages, leftOut } = recordingChat();
  const stop = chat.attach(first.bus);
  for (let i = 0; i < 5000; i++) first.deliver({ type: "chat", text: `spam ${i}` });
  // The burst, and what refilled in the milliseconds the flood took.
  assert.ok(messages.length >= PEER_LIMITS.chat.burst, `${messages.length}`);
  assert.ok(messages.length <= PEER_LIMITS.chat.burst + 2, `${messages.length}`);
  assert.equal(messages.length + leftOut(), 5000);
  stop();
  const second = fakeBus();
  chat.attach(second.bus);
  second.deliver({ type: "chat", text: "hello from a new connection" });
  assert.equal(messages.at(-1)!.text, "hello from a new connection");
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

Deno.test("in a group a message goes to everyone once, and each of theirs says whose it is", () => {
  const ben = fakeBus();
  const cy = fakeBus();
  const { chat, messages } = recordingChat();
  const stopBen = chat.attach(ben.bus, "ben-session");
  chat.attach(cy.bus, "cy-session");
  assert.ok(chat.send("hello both"));
  assert.deepEqual(ben.sent, [{ type: "chat", text: "hello both" }]);
  assert.deepEqual(cy.sent, [{ type: "chat", text: "hello both" }]);
  assert.equal(messages.filter((m) => m.from === "me").length, 1, "shown once");
  cy.deliver({ type: "chat", text: "hi from Cy" });
  ben.deliver({ type: "chat", text: "hi from Ben" });
  assert.deepEqual(messages.slice(1).map((m) => [m.peer, m.text]), [
    ["cy-session", "hi from Cy"],
    ["ben-session", "hi from Ben"],
  ]);
  stopBen();
  assert.ok(chat.send("just Cy now"));
  assert.equal(ben.sent.length, 1, "Ben left: nothing more to him");
  assert.equal(cy.sent.length, 2);
});
