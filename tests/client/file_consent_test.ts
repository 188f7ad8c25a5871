/**
 * Files only with consent (client/files/): nothing is read or sent before the other person
 * accepts; a decline stops it; and a hostile sender speaking the protocol directly cannot push
 * bytes nobody accepted (the channel is closed on the first), cannot pile up offers (a few wait, the rest are declined as busy or
 * dropped unread), and floods only its own channel.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PEER_LIMITS } from "../../client/effects/peer_limits.ts";
import { BREACH } from "../../client/files/file_transfer.ts";
import { ends, type FakeChannel, fileOf, randomBytes } from "../helpers/file_channels.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every frame `channel` sends from now on: JSON ones parsed, binary ones as their size. */
function recordSent(channel: FakeChannel) {
  const sent: (Record<string, unknown> | number)[] = [];
  const send = channel.send.bind(channel);
  channel.send = (data) => {
    sent.push(typeof data === "string" ? JSON.parse(data) : data.byteLength);
    send(data);
  };
  return sent;
}

/** What arrives at `channel` (from the other end), JSON ones parsed. */
function recordArrivals(channel: FakeChannel) {
  const arrived: Record<string, unknown>[] = [];
  channel.addEventListener("message", (event) => {
    const data = (event as MessageEvent).data;
    if (typeof data === "string") arrived.push(JSON.parse(data));
  });
  return arrived;
}

/** A file that counts how often it is read. */
function countedFile(bytes: Uint8Array<ArrayBuffer>, name: string) {
  const file = { ...fileOf(bytes, name), reads: 0 };
  file.arrayBuffer = () => (file.reads++, Promise.resolve(bytes.buffer));
  return file;
}

Deno.test("an offer asks first: no byte is read or sent until the person accepts", async () => {
  const { a, seen, sender, receiver, settled } = ends(false);
  const sent = recordSent(a);
  const bytes = randomBytes(300_000);
  const file = countedFile(bytes, "report.pdf");
  sender.send(file);
  const offer = await settled("b", ["offered"]);
  assert.deepEqual(
    [offer.direction, offer.name, offer.size, offer.done],
    ["in", "report.pdf", 300_000, 0],
  );
  await sleep(50);
  assert.equal(file.reads, 0, "the file was not even read");
  assert.deepEqual(sent.map((f) => (f as { type: string }).type), ["file.offer"], "no bytes");
  assert.equal(seen.a.at(-1)!.state, "offered");

  receiver.accept(offer.id);
  const received = await settled("b", ["received", "failed"]);
  assert.equal(received.state, "received");
  assert.deepEqual(new Uint8Array(await received.blob!.arrayBuffer()), bytes);
  assert.equal((await settled("a", ["delivered", "failed"])).state, "delivered");
  assert.equal(file.reads, 1);
});

Deno.test("declined: the sender is told, nothing is read or sent", async () => {
  const { a, sender, receiver, settled } = ends(false);
  const sent = recordSent(a);
  const file = countedFile(randomBytes(1000), "holiday.jpg");
  sender.send(file);
  const offer = await settled("b", ["offered"]);
  receiver.decline(offer.id);
  assert.equal((await settled("b", ["declined"])).state, "declined");
  const declined = await settled("a", ["declined", "failed"]);
  assert.equal(declined.state, "declined");
  assert.equal(declined.error, "They declined this file.");
  receiver.accept(offer.id); // Too late: nothing happens.
  await sleep(50);
  assert.equal(file.reads, 0);
  assert.deepEqual(sent.map((f) => (f as { type: string }).type), ["file.offer"]);
});

Deno.test("a hostile sender's unaccepted bytes: dropped unread, the channel closed, 100 MB pushed", async () => {
  const { a, b, seen } = ends(false);
  const arrived = recordArrivals(a);
  const offer = { type: "file.offer", id: "push", name: "push.bin", size: 100 * 1024 * 1024 };
  a.send(JSON.stringify({ ...offer, mime: "" }));
  a.send(JSON.stringify({ type: "file.start", id: "push" }));
  const chunk = new Uint8Array(1024 * 1024).buffer;
  let pushed = 0;
  try {
    for (; pushed < 100; pushed++) {
      a.send(chunk);
      await sleep(0);
    }
  } catch {
    // Closed by the receiver: the sender cannot push any more.
  }
  await sleep(50);
  assert.equal(b.readyState, "closed");
  assert.ok(pushed < 5, `${pushed} MB went out before the channel closed`);
  assert.deepEqual(
    seen.b.map((t) => [t.state, t.done, t.blob]),
    [["offered", 0, undefined], ["failed", 0, undefined]],
    "asked, nothing kept",
  );
  assert.equal(seen.b.at(-1)!.error, BREACH);
  assert.deepEqual(arrived, [], "no result for a file nobody accepted");
});

Deno.test("5,000 offers: a few wait for the person, the rest are declined busy or dropped", async () => {
  const { a, seen } = ends(false);
  const arrived = recordArrivals(a);
  for (let i = 0; i < 5000; i++) {
    a.send(
      JSON.stringify({ type: "file.offer", id: `o${i}`, name: `${i}.bin`, size: 1, mime: "" }),
    );
  }
  await sleep(300);
  const asked = new Set(seen.b.filter((t) => t.state === "offered").map((t) => t.id));
  assert.equal(asked.size, PEER_LIMITS.pendingOffers);
  assert.ok(arrived.every((h) => h.type === "file.decline" && h.reason === "busy"));
  // Within the offer rate only (a burst, and a little refill while the flood is read).
  assert.ok(asked.size + arrived.length <= PEER_LIMITS.offers.burst + 2, `${arrived.length}`);
});

Deno.test("an offer taken back goes; a file stopped midway fails and is not offered", async () => {
  const { a, seen, receiver } = ends(false);
  a.send(JSON.stringify({ type: "file.offer", id: "x", name: "x.bin", size: 10, mime: "" }));
  await sleep(20);
  a.send(JSON.stringify({ type: "file.cancel", id: "x" }));
  await sleep(20);
  assert.deepEqual(seen.b.map((t) => t.state), ["offered", "withdrawn"]);

  a.send(JSON.stringify({ type: "file.offer", id: "y", name: "y.bin", size: 10, mime: "" }));
  await sleep(20);
  receiver.accept("y");
  a.send(JSON.stringify({ type: "file.start", id: "y" }));
  a.send(new Uint8Array(4).buffer);
  a.send(JSON.stringify({ type: "file.cancel", id: "y" }));
  await sleep(20);
  const last = seen.b.at(-1)!;
  assert.deepEqual([last.id, last.state, last.blob], ["y", "failed", undefined]);
});

Deno.test("an honest sender of many files never meets the limits: a few offers at a time", async () => {
  const { a, seen, sender } = ends(true);
  const sent = recordSent(a);
  const count = 8;
  for (let i = 0; i < count; i++) sender.send(fileOf(randomBytes(5000), `photo${i}.jpg`));
  const deadline = Date.now() + 15_000;
  while (seen.b.filter((t) => t.state === "received").length < count && Date.now() < deadline) {
    await sleep(20);
  }
  const received = seen.b.filter((t) => t.state === "received").map((t) => t.name).sort();
  assert.deepEqual(received, Array.from({ length: count }, (_, i) => `photo${i}.jpg`));
  assert.ok(seen.a.every((t) => t.state !== "declined" && t.state !== "failed"));
  // Never more offers waiting for an answer than the receiver keeps.
  const states = new Map<string, string>();
  let most = 0;
  for (const transfer of seen.a) {
    states.set(transfer.id, transfer.state);
    most = Math.max(most, [...states.values()].filter((state) => state === "offered").length);
  }
  assert.equal(sent.filter((f) => typeof f !== "number" && f.type === "file.offer").length, count);
  assert.ok(most <= PEER_LIMITS.pendingOffers, `${most} offers out at once`);
});

Deno.test("limits are per channel: one peer's flood leaves another's offers alone", async () => {
  const flooded = ends(false);
  const honest = ends(true);
  for (let i = 0; i < 1000; i++) {
    flooded.a.send(
      JSON.stringify({ type: "file.offer", id: `o${i}`, name: "x", size: 1, mime: "" }),
    );
  }
  honest.sender.send(fileOf(randomBytes(1000), "fine.txt"));
  assert.equal((await honest.settled("b", ["received", "failed"])).state, "received");
});
