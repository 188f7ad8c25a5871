import { descriptionFingerprints } from "./fingerprints.ts";

export { descriptionFingerprints, unverifiableDescription } from "./fingerprints.ts";

/**
 * The verification code: six words both people see, derived from the two DTLS certificates that
 * actually secure this connection. Each side computes it from what its own browser negotiated; if
 * anything in the middle terminated DTLS with its own certificates, each side would see a
 * different remote certificate, and the codes would differ, unless the forger found two
 * certificates whose codes match. That search is what the code's length and cost are set against
 * (docs/security.md, "The verification code"):
 *
 * - Only certificates in use count: getStats `certificate` entries where the browser reports
 *   them, else the one fingerprint of each description. A description naming more than one
 *   certificate is refused before it is applied (`client/effects/peer_connection.ts`), and the
 *   code is withheld ("cannot be verified") when a description names another certificate than
 *   getStats reports.
 * - 66 bits (6 words of the 2,048-word BIP-39 list), each try stretched by PBKDF2.
 *
 * Pure functions (the stats come in as plain objects), so tests derive the code on their own.
 *
 * @module
 */

/** What comparing the code proves, in one sentence. */
export const VERIFICATION_EXPLAINED =
  "If you both see the same words, nobody in between can see or hear this call: it is encrypted " +
  "end to end between your two browsers.";

/**
 * How many words a code has: 6 words of 11 bits each, 66 bits. A forger who can make certificates
 * at will must find one whose code matches: about 2^65 tries on average, out of reach (at 32 bits,
 * 4 billion tries were within reach of one machine).
 */
export const CODE_WORDS = 6;

/**
 * The BIP-39 English list: 2,048 common words, each told apart by its first four letters, so a
 * word read aloud is hard to mishear. Fixed by its standard: never reordered. Loaded when the
 * first code is derived (13 KB), not with the page.
 */
export async function words(): Promise<readonly string[]> {
  return (await import("@scure/bip39/wordlists/english.js")).wordlist;
}

/** What the view says when the connection's certificates cannot be tied to one code. */
export const UNVERIFIABLE_EXPLAINED =
  "This connection cannot be verified: the other side's connection details do not name exactly " +
  "the certificate its browser uses, which someone in the middle would do to fake the words.";

/** One entry of an `RTCStatsReport`, as far as this module reads it. */
export type StatsEntry = { type: string; id: string; [key: string]: unknown };

/** The two certificates' fingerprints ("sha-256 AB:CD:…"), or null before DTLS is done. */
export interface Fingerprints {
  local: string;
  remote: string;
}

/**
 * The local and remote certificate fingerprints of the connection's transport, from the entries
 * of a `getStats()` report; null while the transport has no remote certificate yet.
 */
export function certificateFingerprints(entries: Iterable<StatsEntry>): Fingerprints | null {
  const byId = new Map<string, StatsEntry>();
  for (const entry of entries) byId.set(entry.id, entry);
  for (const transport of byId.values()) {
    if (transport.type !== "transport") continue;
    const local = byId.get(String(transport.localCertificateId));
    const remote = byId.get(String(transport.remoteCertificateId));
    if (local && remote) return { local: fingerprint(local), remote: fingerprint(remote) };
  }
  return null;
}

/** Whether DTLS is done (or a path works), as a `getStats()` report says. */
export function connected(entries: Iterable<StatsEntry>): boolean {
  for (const entry of entries) {
    if (entry.type === "transport" && entry.dtlsState === "connected") return true;
    if (entry.type === "candidate-pair" && entry.state === "succeeded") return true;
  }
  return false;
}

/** The connection's verification: its code, or why it cannot be verified. */
export type Verification = { code: string } | { unverifiable: string };

/** What a connection's code is derived from, or why there can be none. */
export type VerificationBasis = { fingerprints: Fingerprints } | { unverifiable: string };

/**
 * What the code of a connection is derived from, given its `getStats()` entries and its local and
 * remote descriptions; null until it is known (DTLS not done yet). Cheap: read every second.
 *
 * The certificates the browser reports in use (getStats `certificate` entries) come first; where
 * it reports none, the single fingerprint of each description, which the browser checked the DTLS
 * handshake against. A description naming more than one certificate, or another one than getStats
 * reports, cannot be verified.
 */
export function verificationBasis(
  entries: Iterable<StatsEntry>,
  sdp: readonly string[] = [],
): VerificationBasis | null {
  const list = [...entries];
  const local = descriptionFingerprints(sdp[0] ?? "");
  const remote = descriptionFingerprints(sdp[1] ?? "");
  const refused = { unverifiable: UNVERIFIABLE_EXPLAINED };
  if (local.length > 1 || remote.length > 1) return refused;
  const inUse = certificateFingerprints(list);
  if (inUse) {
    const differs = (named: string[], actual: string) => named.length === 1 && named[0] !== actual;
    if (differs(local, inUse.local) || differs(remote, inUse.remote)) return refused;
    return { fingerprints: inUse };
  }
  if (!connected(list) || local.length !== 1 || remote.length !== 1) return null;
  return { fingerprints: { local: local[0], remote: remote[0] } };
}

/** The verification of a connection (see {@linkcode verificationBasis}); null until known. */
export async function verification(
  entries: Iterable<StatsEntry>,
  sdp: readonly string[] = [],
): Promise<Verification | null> {
  const basis = verificationBasis(entries, sdp);
  if (!basis || "unverifiable" in basis) return basis;
  return { code: await verificationCode(basis.fingerprints) };
}

function fingerprint(certificate: StatsEntry): string {
  const algorithm = String(certificate.fingerprintAlgorithm ?? "sha-256").toLowerCase();
  return `${algorithm} ${String(certificate.fingerprint).toUpperCase()}`;
}

/** PBKDF2 rounds: each of a forger's tries costs this many HMAC-SHA-256s (tens of milliseconds). */
export const CODE_ROUNDS = 200_000;

/**
 * The code for two fingerprints: both sorted (so each side, seeing its own as "local", gets the
 * same), joined by a newline, stretched with PBKDF2-SHA-256 ({@linkcode CODE_ROUNDS} rounds);
 * the first 66 bits pick {@linkcode CODE_WORDS} words of 11 bits.
 */
export async function verificationCode(fingerprints: Fingerprints): Promise<string> {
  const text = [fingerprints.local, fingerprints.remote].sort().join("\n");
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(text),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: SALT, iterations: CODE_ROUNDS },
      key,
      CODE_WORDS * 11 + 6,
    ),
  );
  const list = await words();
  const picked: string[] = [];
  for (let i = 0; i < CODE_WORDS; i++) picked.push(list[readBits(bits, i * 11, 11)]);
  return picked.join(" ");
}

const SALT = new TextEncoder().encode("Parley verification code, 66 bits");

/** `count` bits of `bytes` from bit `start` (most significant first), as a number. */
function readBits(bytes: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let bit = start; bit < start + count; bit++) {
    value = value * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
  }
  return value;
}
