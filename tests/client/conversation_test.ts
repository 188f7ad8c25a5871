/**
 * The chat's contents (client/chat/conversation.ts) stay bounded whatever arrives: the last
 * messages, the last finished file cards (those under way stay), one notice for messages left
 * out; and a change is one call to draw, not one per message (client/chat/render_batch.ts).
 *
 * @module
 */
import assert from "node:assert/strict";
import { conversation } from "../../client/chat/conversation.ts";
import { renderBatch } from "../../client/chat/render_batch.ts";
import { MAX_CHAT_MESSAGES, MAX_TRANSFERS } from "../../client/effects/peer_limits.ts";
import type { Transfer } from "../../client/files/file_transfer.ts";

function transfer(id: string, state: Transfer["state"]): Transfer {
  return { id, direction: "in", name: `${id}.bin`, size: 1, mime: "", done: 0, state };
}

Deno.test("the chat keeps the last messages, and messages left out are one notice", () => {
  const contents = conversation(() => {});
  for (let i = 0; i < 1000; i++) contents.message({ from: "them", text: `${i}`, at: i });
  for (let i = 0; i < 500; i++) contents.leftOut();
  const entries = contents.entries();
  assert.equal(entries.length, MAX_CHAT_MESSAGES);
  const last = entries.at(-1)!;
  assert.deepEqual(last.kind === "notice" && last.leftOut, 500);
  const first = entries[0];
  assert.equal(first.kind === "message" && first.message.text, `${1000 - MAX_CHAT_MESSAGES + 1}`);
});

Deno.test("one notice per flood: messages let through meanwhile do not start another", () => {
  let time = 0;
  const contents = conversation(() => {}, () => time);
  for (let i = 0; i < 100; i++) {
    contents.leftOut();
    if (i % 10 === 0) contents.message({ from: "them", text: "through", at: time });
    time += 100;
  }
  const notices = () => contents.entries().filter((e) => e.kind === "notice");
  assert.deepEqual(notices().map((e) => e.kind === "notice" && e.leftOut), [100]);
  time += 60_000;
  contents.leftOut();
  assert.equal(notices().length, 2, "a flood a minute later is news again");
});

Deno.test("file cards: finished ones go first, those under way stay, a withdrawn offer goes", () => {
  const contents = conversation(() => {});
  contents.file(transfer("asked", "offered"));
  contents.file(transfer("moving", "receiving"));
  for (let i = 0; i < 200; i++) contents.file(transfer(`done${i}`, "received"));
  const ids = contents.entries().map((e) => e.kind === "file" && e.transfer.id);
  assert.equal(ids.length, MAX_TRANSFERS);
  assert.deepEqual(ids.slice(0, 2), ["asked", "moving"]);
  assert.equal(ids.at(-1), "done199");
  contents.file(transfer("asked", "withdrawn"));
  assert.equal(contents.entries().length, MAX_TRANSFERS - 1);
  // Messages do not push file cards out, nor the other way round.
  for (let i = 0; i < 300; i++) contents.message({ from: "them", text: "x", at: 0 });
  assert.equal(contents.entries().filter((e) => e.kind === "file").length, MAX_TRANSFERS - 1);
});

Deno.test("a burst of changes is drawn once, then at most once per interval", async () => {
  let draws = 0;
  const schedule = renderBatch(() => draws++, 50);
  const contents = conversation(schedule);
  for (let i = 0; i < 1000; i++) contents.message({ from: "them", text: "x", at: 0 });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(draws, 1);
  const started = performance.now();
  while (performance.now() - started < 300) {
    contents.leftOut();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setTimeout(resolve, 60));
  // About 300 ms / 50 ms (timers run late on a busy machine, never early).
  assert.ok(draws >= 2 && draws <= 8, `${draws} draws`);
});
