/**
 * The verification code: a few words both people see, derived from the two DTLS certificates
 * that actually secure this connection (their fingerprints as `getStats()` reports them, local
 * and remote, sorted, hashed with SHA-256). Each side computes it from what its own browser
 * negotiated; if anything in the middle terminated DTLS with its own certificate, each side would
 * see a different remote certificate, and the codes would differ.
 *
 * Pure functions (the stats come in as plain objects), so tests derive the code on their own.
 *
 * @module
 */

/** What comparing the code proves, in one sentence. */
export const VERIFICATION_EXPLAINED =
  "If you both see the same words, nobody in between can see or hear this call: it is encrypted " +
  "end to end between your two browsers.";

/** How many words a code has (8 bits each: 32 bits, 1 in 4 billion to match by chance). */
export const CODE_WORDS = 4;

/** 256 short, distinct, easy-to-say words; a byte of the hash picks one. Never reorder. */
export const WORDS: readonly string[] = [
  "acid",
  "acorn",
  "actor",
  "agent",
  "alarm",
  "album",
  "alley",
  "amber",
  "angel",
  "ankle",
  "apple",
  "apron",
  "arrow",
  "atlas",
  "attic",
  "autumn",
  "bacon",
  "badge",
  "bagel",
  "baker",
  "ball",
  "bamboo",
  "banjo",
  "barn",
  "basil",
  "beach",
  "beard",
  "bell",
  "bench",
  "berry",
  "bike",
  "bird",
  "blade",
  "blanket",
  "bloom",
  "boat",
  "bones",
  "book",
  "boots",
  "bottle",
  "bowl",
  "brain",
  "bread",
  "brick",
  "bridge",
  "broom",
  "brush",
  "bucket",
  "cabin",
  "cactus",
  "cake",
  "camel",
  "camera",
  "candle",
  "canoe",
  "canyon",
  "carpet",
  "carrot",
  "castle",
  "cave",
  "cello",
  "chair",
  "chalk",
  "cheese",
  "cherry",
  "chess",
  "chimney",
  "cider",
  "circle",
  "clock",
  "cloud",
  "clover",
  "coast",
  "cobra",
  "coconut",
  "coffee",
  "comet",
  "copper",
  "coral",
  "cotton",
  "cowboy",
  "crab",
  "crane",
  "crayon",
  "cricket",
  "crown",
  "cup",
  "curtain",
  "daisy",
  "dance",
  "desert",
  "diamond",
  "dinner",
  "dolphin",
  "donkey",
  "door",
  "dragon",
  "dream",
  "drum",
  "duck",
  "eagle",
  "earth",
  "echo",
  "eel",
  "elbow",
  "engine",
  "falcon",
  "feather",
  "fence",
  "fern",
  "ferry",
  "fiddle",
  "finger",
  "fire",
  "flag",
  "flute",
  "forest",
  "fossil",
  "fountain",
  "fox",
  "frog",
  "garden",
  "garlic",
  "ghost",
  "giant",
  "ginger",
  "glove",
  "goat",
  "gold",
  "grape",
  "guitar",
  "hammer",
  "harbor",
  "harp",
  "hat",
  "hawk",
  "helmet",
  "hill",
  "honey",
  "horse",
  "igloo",
  "island",
  "ivory",
  "jacket",
  "jelly",
  "jewel",
  "juice",
  "kettle",
  "key",
  "kite",
  "kitten",
  "knight",
  "koala",
  "ladder",
  "lake",
  "lamp",
  "lemon",
  "lily",
  "lion",
  "lizard",
  "lobster",
  "magnet",
  "mango",
  "maple",
  "marble",
  "meadow",
  "melon",
  "mirror",
  "monkey",
  "moon",
  "moose",
  "mountain",
  "mouse",
  "mushroom",
  "nest",
  "noodle",
  "oak",
  "ocean",
  "olive",
  "onion",
  "orange",
  "otter",
  "owl",
  "paddle",
  "palace",
  "panda",
  "paper",
  "parrot",
  "peach",
  "peanut",
  "pearl",
  "pencil",
  "pepper",
  "piano",
  "pillow",
  "pilot",
  "pine",
  "planet",
  "plum",
  "pony",
  "potato",
  "puzzle",
  "quilt",
  "rabbit",
  "radio",
  "rainbow",
  "raven",
  "robot",
  "rocket",
  "rose",
  "ruby",
  "saddle",
  "salmon",
  "sand",
  "scarf",
  "shark",
  "sheep",
  "shell",
  "ship",
  "silver",
  "skate",
  "sled",
  "snail",
  "snow",
  "socks",
  "spider",
  "spoon",
  "squid",
  "star",
  "stone",
  "storm",
  "sugar",
  "sun",
  "swan",
  "table",
  "tea",
  "tent",
  "tiger",
  "tomato",
  "tower",
  "tractor",
  "train",
  "tulip",
  "turtle",
  "umbrella",
  "valley",
  "violin",
  "wagon",
  "walrus",
  "whale",
  "wheat",
  "window",
  "wizard",
  "wolf",
  "yak",
  "zebra",
];

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

/**
 * The same from the local and remote descriptions' `a=fingerprint` lines, for browsers whose
 * stats have no `certificate` entries (Firefox): the browser checks that the certificate the
 * other side presents in the DTLS handshake has the fingerprint of its description. Null until
 * both descriptions are there.
 */
export function sdpFingerprints([local, remote]: string[]): Fingerprints | null {
  const of = (sdp: string | undefined) => {
    const match = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m.exec(sdp ?? "");
    return match ? `${match[1].toLowerCase()} ${match[2].toUpperCase()}` : null;
  };
  const [mine, theirs] = [of(local), of(remote)];
  return mine && theirs ? { local: mine, remote: theirs } : null;
}

function fingerprint(certificate: StatsEntry): string {
  const algorithm = String(certificate.fingerprintAlgorithm ?? "sha-256").toLowerCase();
  return `${algorithm} ${String(certificate.fingerprint).toUpperCase()}`;
}

/**
 * The code for two fingerprints: both sorted (so each side, seeing its own as "local", gets the
 * same), joined by a newline, hashed with SHA-256; the first {@linkcode CODE_WORDS} bytes pick
 * words.
 */
export async function verificationCode(fingerprints: Fingerprints): Promise<string> {
  const text = [fingerprints.local, fingerprints.remote].sort().join("\n");
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return [...hash.subarray(0, CODE_WORDS)].map((byte) => WORDS[byte]).join(" ");
}
