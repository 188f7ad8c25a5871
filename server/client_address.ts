/**
 * Who a client is when Parley sits behind a reverse proxy: `TRUST_PROXY` names the proxies
 * (addresses or CIDRs), and only a connection from one of them has its `X-Forwarded-For` believed.
 * The client is the last hop that is not a trusted proxy, read from the right, where each proxy
 * appended the address it saw; anything further left was written by the client and is never read.
 * A header from anyone else is ignored, and so is garbage: the walk stops at the first hop that is
 * not an address, and never looks at more than {@linkcode MAX_HOPS} hops.
 *
 * @module
 */

/** Hops read from the right of `X-Forwarded-For` at most (proxies in a row, say). */
export const MAX_HOPS = 16;

/** An address as 16 bytes (IPv4 mapped into IPv6, `::ffff:a.b.c.d`), so one match covers both. */
type Bytes = Uint8Array;

interface Range {
  bytes: Bytes;
  bits: number;
  text: string;
}

/** The proxies whose `X-Forwarded-For` is believed; none by default. */
export class TrustedProxies {
  readonly #ranges: Range[];

  private constructor(ranges: Range[]) {
    this.#ranges = ranges;
  }

  /** No proxy trusted: every connection's own address is the client's. */
  static none(): TrustedProxies {
    return new TrustedProxies([]);
  }

  /**
   * Parses `TRUST_PROXY`: addresses or CIDRs separated by commas or spaces. Throws an Error
   * naming the entry that is neither.
   */
  static parse(list: string): TrustedProxies {
    const ranges: Range[] = [];
    for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
      const [address, prefix, extra] = entry.split("/");
      const bytes = parseAddress(address);
      const v4 = bytes !== null && isMappedV4(bytes) && !address.includes(":");
      const max = v4 ? 32 : 128;
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (bytes === null || extra !== undefined || !(bits >= 0 && bits <= max)) {
        throw new Error(
          `TRUST_PROXY must list the proxies' addresses or CIDRs (e.g. 127.0.0.1, 10.0.0.0/8, ` +
            `::1, fd00::/8), got "${entry.slice(0, 60)}"`,
        );
      }
      ranges.push({ bytes, bits: v4 ? bits + 96 : bits, text: entry });
    }
    return new TrustedProxies(ranges);
  }

  /** Whether any proxy is trusted. */
  get any(): boolean {
    return this.#ranges.length > 0;
  }

  /** The list as given, for the startup line. */
  describe(): string {
    return this.#ranges.map((range) => range.text).join(", ");
  }

  /** Whether `address` (a connection's peer or a hop) is a trusted proxy. */
  trusts(address: string | undefined): boolean {
    if (!this.any || !address) return false;
    const bytes = parseAddress(address);
    return bytes !== null && this.#ranges.some((range) => inRange(bytes, range));
  }

  /**
   * The client's address for a connection from `peer` that carried `forwardedFor` (Node's
   * `req.headers["x-forwarded-for"]`, several headers already joined with commas).
   */
  clientOf(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const own = peer ?? "unknown";
    if (!this.trusts(peer) || forwardedFor === undefined) return own;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
    let client = own;
    let end = header.length;
    for (let hop = 0; hop < MAX_HOPS && end > 0; hop++) {
      const start = header.lastIndexOf(",", end - 1);
      const text = header.slice(start + 1, end).trim();
      end = start < 0 ? 0 : start;
      const bytes = text.length <= 45 ? parseAddress(text) : null;
      // Garbage: whoever wrote it is not to be believed; the last trusted hop stands.
      if (bytes === null) return client;
      client = format(bytes);
      if (!this.#ranges.some((range) => inRange(bytes, range))) return client;
    }
    return client;
  }
}

/** `text` as 16 bytes, or null when it is not an IPv4 or IPv6 address (no zone, no port). */
export function parseAddress(text: string): Bytes | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) {
    const octets = text.split(".").map(Number);
    if (octets.some((octet) => octet > 255)) return null;
    return Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...octets]);
  }
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(text)) return null;
  let groups: string[];
  let tail: number[] = [];
  const v4 = /:(\d{1,3}(\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const mapped = parseAddress(v4[1]);
    if (!mapped) return null;
    tail = [...mapped.subarray(12)];
    text = text.slice(0, v4.index + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const split = (half: string) => (half === "" ? [] : half.split(":"));
  if (halves.length === 2) {
    const [left, right] = [split(halves[0]), split(halves[1])];
    if (left.length + right.length > 7) return null;
    groups = [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  } else {
    groups = split(text);
  }
  if (groups.length !== 8 || groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tail.length) bytes.set(tail, 12);
  return bytes;
}

/** The address in its usual text form: dotted IPv4, or IPv6 with its longest zero run as `::`. */
export function format(bytes: Bytes): string {
  if (isMappedV4(bytes)) return [...bytes.subarray(12)].join(".");
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[i * 2] << 8) | bytes[i * 2 + 1]);
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

function isMappedV4(bytes: Bytes): boolean {
  return bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

function inRange(bytes: Bytes, range: Range): boolean {
  const whole = range.bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (range.bytes[whole] & mask);
}
