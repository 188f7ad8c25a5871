/**
 * The file protocol (client/files/file_transfer.ts) over an in-memory channel pair that buffers like a
 * data channel: files arrive byte-identical once accepted, the sender waits for the buffer to
 * drain, a file over the limit is refused before a byte is sent, and what did not arrive whole (a
 * byte changed, bytes missing, the channel closed) is never offered for saving. The consent and
 * the bounds against a hostile sender are in `file_consent_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CHUNK_BYTES,
  type FileLike,
  HIGH_WATER,
  MAX_FILE_BYTES,
  parseHeader,
  type Transfer,
} from "../../client/files/file_transfer.ts";
import { ends, fileOf, randomBytes } from "../helpers/file_channels.ts";

Deno.test("a 5 MB file arrives byte-identical, with progress both sides and the buffer bounded", async () => {
  const { a, seen, sender, settled } = ends();
  const bytes = randomBytes(5 * 1024 * 1024 + 7);
  sender.send(fileOf(bytes));
  const received = await settled("b", ["received", "failed"]);
  assert.equal(received.state, "received");
  const blob = received.blob!;
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);
  assert.equal(blob.type, "application/octet-stream", "a download, whatever type they named");
  const delivered = await settled("a", ["delivered", "failed"]);
  assert.equal(delivered.state, "delivered");
  const partial = (list: Transfer[]) => list.some((t) => t.done > 0 && t.done < t.size);
  assert.ok(partial(seen.a) && partial(seen.b), "progress on both sides");
  assert.ok(a.maxBuffered <= HIGH_WATER + CHUNK_BYTES, `buffered ${a.maxBuffered}`);
  // Only the finished transfer carried a blob.
  assert.ok(seen.b.filter((t) => t.blob).every((t) => t.state === "received"));
});

Deno.test("a file over the limit is refused with a clear message before anything is sent", async () => {
  const { a, seen, sender } = ends();
  let sent = 0;
  const send = a.send.bind(a);
  a.send = (data) => {
    sent++;
    send(data);
  };
  const huge: FileLike = {
    name: "huge.iso",
    size: MAX_FILE_BYTES + 1,
    type: "",
    arrayBuffer: () => Promise.reject(new Error("must not be read")),
  };
  const transfer = sender.send(huge);
  assert.equal(transfer.state, "failed");
  assert.match(transfer.error!, /This file is 100 MB; files up to 100 MB can be sent/);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(sent, 0);
  assert.equal(seen.b.length, 0);
});

Deno.test("a byte changed on the way: refused on both sides, never offered for saving", async () => {
  const { a, seen, sender, settled } = ends();
  let frames = 0;
  a.tamper = (data) => {
    if (typeof data === "string" || ++frames !== 3) return data;
    const copy = new Uint8Array(data.slice(0));
    copy[10] ^= 1;
    return copy.buffer;
  };
  sender.send(fileOf(randomBytes(200_000)));
  const failed = await settled("b", ["received", "failed"]);
  assert.equal(failed.state, "failed");
  assert.match(failed.error!, /did not arrive whole/);
  assert.ok(seen.b.every((t) => !t.blob));
  assert.equal((await settled("a", ["delivered", "failed"])).state, "failed");
});

Deno.test("a chunk lost, or the channel closing midway: never offered for saving", async () => {
  const lost = ends();
  let frames = 0;
  lost.a.tamper = (data) => typeof data !== "string" && ++frames === 2 ? null : data;
  lost.sender.send(fileOf(randomBytes(100_000)));
  assert.equal((await lost.settled("b", ["received", "failed"])).state, "failed");
  assert.ok(lost.seen.b.every((t) => !t.blob));

  const cut = ends();
  let chunks = 0;
  cut.a.tamper = (data) => {
    if (typeof data !== "string" && ++chunks === 5) {
      cut.a.close(); // The rest, still in flight, never arrives.
      return null;
    }
    return data;
  };
  cut.sender.send(fileOf(randomBytes(1_000_000)));
  const failed = await cut.settled("b", ["received", "failed"]);
  assert.equal(failed.state, "failed");
  assert.ok(cut.seen.b.every((t) => !t.blob));
  assert.equal((await cut.settled("a", ["delivered", "failed"])).state, "failed");
});

Deno.test("headers from the other side are checked: bad ones are ignored, an oversize offer declined", async () => {
  assert.equal(parseHeader("not json"), null);
  assert.equal(parseHeader(JSON.stringify({ type: "file.offer", id: "x" })), null);
  const offer = { type: "file.offer", id: "x", name: "a", size: 1, mime: "" };
  assert.equal(parseHeader(JSON.stringify({ ...offer, size: -1 })), null);
  assert.equal(parseHeader(JSON.stringify({ ...offer, size: 1.5 })), null);
  assert.equal(parseHeader(JSON.stringify({ type: "file.end", id: "x", sha256: "zz" })), null);
  assert.equal(parseHeader(JSON.stringify({ type: "file.decline", id: "x", reason: "?" })), null);
  assert.equal(parseHeader(JSON.stringify({ ...offer, id: "" })), null);
  assert.equal(parseHeader(JSON.stringify({ ...offer, name: "x".repeat(5000) })), null);
  assert.deepEqual(parseHeader(JSON.stringify({ ...offer, name: "evil\u202Egnp.exe" })), {
    ...offer,
    name: "evilgnp.exe",
  });
  const { a, b, seen } = ends();
  const answers: string[] = [];
  a.addEventListener("message", (event) => answers.push((event as MessageEvent).data));
  a.send(JSON.stringify({ ...offer, id: "big", name: "big.bin", size: MAX_FILE_BYTES + 1 }));
  a.send(JSON.stringify({ type: "file.start", id: "big" }));
  a.send(JSON.stringify({ type: "file.end", id: "big", sha256: "0".repeat(64) }));
  // Frames arrive in order, one a task: once the decline is back, every frame was read, and any
  // further answer would be one task behind it.
  const deadline = Date.now() + 10_000;
  while (answers.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  for (let task = 0; task < 3; task++) await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(seen.b.length, 0, "nothing to ask the person about");
  assert.deepEqual(answers.map((text) => JSON.parse(text)), [
    { type: "file.decline", id: "big", reason: "too-large" },
  ]);
  // Its bytes anyway: not a Parley page speaking the protocol, so the channel goes.
  a.send(new Uint8Array(1000).buffer);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(b.readyState, "closed");
});
