/**
 * Test helpers for the file protocol (client/files/): an in-memory data channel pair that
 * buffers and delivers like a real one (on a later task, `bufferedamountlow` included), files
 * of random bytes, and two ends speaking the protocol with every change each side saw.
 *
 * @module
 */
import {
  type FileChannel,
  type FileLike,
  fileTransfers,
  type Transfer,
} from "../../client/files/file_transfer.ts";

/** One end of a channel pair: sends are buffered and delivered on a later task. */
export class FakeChannel extends EventTarget implements FileChannel {
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

export function pair(): [FakeChannel, FakeChannel] {
  const a = new FakeChannel();
  const b = new FakeChannel();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

export function fileOf(bytes: Uint8Array<ArrayBuffer>, name = "photo.jpg"): FileLike {
  return {
    name,
    size: bytes.byteLength,
    type: "image/jpeg",
    arrayBuffer: () => Promise.resolve(bytes.buffer),
  };
}

export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
  }
  return bytes;
}

/**
 * Both ends speaking the protocol, with every change either side saw; the receiving person
 * accepts every offer at once unless `accept` is false.
 */
export function ends(accept = true) {
  const [a, b] = pair();
  const seen = { a: [] as Transfer[], b: [] as Transfer[] };
  const last = (list: Transfer[]) => list.at(-1)!;
  const snap = (list: Transfer[]) => (t: Transfer) => list.push({ ...t });
  const sender = fileTransfers(a, { onChange: snap(seen.a) });
  const receiver = fileTransfers(b, {
    onChange(transfer) {
      snap(seen.b)(transfer);
      if (accept && transfer.state === "offered") {
        queueMicrotask(() => receiver.accept(transfer.id));
      }
    },
  });
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
