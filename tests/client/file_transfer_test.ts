/**
 * The file protocol (client/files/file_transfer.ts) over an in-memory channel pair that buffers like a
 * data channel: files arrive byte-identical, the sender waits for the buffer to drain, a file
 * over the limit is refused before a byte is sent, and what did not arrive whole (a byte changed,
 * bytes missing, the channel closed) is never offered for saving.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CHUNK_BYTES,
  type FileChannel,
  type FileLike,
  fileTransfers,
  HIGH_WATER,
  MAX_FILE_BYTES,
  parseHeader,
  type Transfer,
} from "../../client/files/file_transfer.ts";

/** One end of a channel pair: sends are buffered and delivered on a later task. */
class FakeChannel extends EventTarget implements FileChannel {
  readyState = "open";
  bufferedAmount = 0;
  bufferedAmountLowThreshold = 0;
  peer!: FakeChannel;
  /** Changes frames on their way (to simulate damage); return null to drop one. */
  tamper: (data: string | ArrayBuffer) => string | ArrayBuffer | null = (data) => data;
  maxBuffered = 0;
  send(data: string | ArrayBuffer): void {
    if (this.readyState !== "open") throw new Error("closed");
    const size = typeof data === "string" ? data.length : data.byteLength;
    this.bufferedAmount += size;
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
    setTimeout(() => {
      const before = this.bufferedAmount;
      this.bufferedAmount -= size;
      if (before > this.bufferedAmountLowThreshold) {
        if (this.bufferedAmount <= this.bufferedAmountLowThreshold) {
          this.dispatchEvent(new Event("bufferedamountlow"));
        }
      }
      const delivered = this.tamper(data);
      if (delivered !== null && this.peer.readyState === "open") {
        this.peer.dispatchEvent(new MessageEvent("message", { data: delivered }));
      }
    }, 0);
  }
  close(): void {
    for (const end of [this, this.peer]) {
      end.readyState = "closed";
      end.dispatchEvent(new Event("close"));
    }
  }
}

function pair(): [FakeChannel, FakeChannel] {
  const a = new FakeChannel();
  const b = new FakeChannel();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

function fileOf(bytes: Uint8Array<ArrayBuffer>, name = "photo.jpg"): FileLike {
  return {
    name,
    size: bytes.byteLength,
    type: "image/jpeg",
    arrayBuffer: () => Promise.resolve(bytes.buffer),
  };
}

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

/** Both ends speaking the protocol, with every change either side saw. */
function ends() {
  const [a, b] = pair();
  const seen = { a: [] as Transfer[], b: [] as Transfer[] };
  const last = (list: Transfer[]) => list.at(-1)!;
  const snap = (list: Transfer[]) => (t: Transfer) => list.push({ ...t });
  const sender = fileTransfers(a, { onChange: snap(seen.a) });
  const receiver = fileTransfers(b, { onChange: snap(seen.b) });
  const settled = (side: "a" | "b", states: string[]) =>
    new Promise<Transfer>((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const t = seen[side].at(-1);
        if (t && states.includes(t.state)) return resolve(last(seen[side]));
        if (Date.now() - started > 20_000) return reject(new Error(`${side} never ${states}`));
        setTimeout(poll, 5);
      };
      poll();
    });
  return { a, b, seen, sender, receiver, settled };
}

Deno.test("a 5 MB file arrives byte-identical, with progress both sides and the buffer bounded", async () => {
  const { a, seen, sender, settled } = ends();
  const bytes = randomBytes(5 * 1024 * 1024 + 7);
  sender.send(fileOf(bytes));
  const received = await settled("b", ["received", "failed"]);
  assert.equal(received.state, "received");
  const blob = received.blob!;
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);
  assert.equal(blob.type, "image/jpeg");
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

Deno.test("headers from the other side are checked: bad ones are ignored, an oversize offer refused", async () => {
  assert.equal(parseHeader("not json"), null);
  assert.equal(parseHeader(JSON.stringify({ type: "file.offer", id: "x" })), null);
  assert.equal(
    parseHeader(
      JSON.stringify({
        type: "file.offer",
        id: "x",
        name: "a",
        size: -1,
        mime: "",
        sha256: "0".repeat(64),
      }),
    ),
    null,
  );
  const { a, seen } = ends();
  a.send(JSON.stringify({
    type: "file.offer",
    id: "big",
    name: "big.bin",
    size: MAX_FILE_BYTES + 1,
    mime: "",
    sha256: "0".repeat(64),
  }));
  a.send(new Uint8Array(1000).buffer);
  a.send(JSON.stringify({ type: "file.end", id: "big" }));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(seen.b.length, 1);
  assert.equal(seen.b[0].state, "failed");
  assert.match(seen.b[0].error!, /files up to 100 MB/);
});
