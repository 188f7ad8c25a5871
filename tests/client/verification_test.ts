/**
 * The verification code (client/verification/): the same on both sides (each sees its own
 * certificate as "local"), different when any certificate differs (someone in the middle), 66
 * bits long, and withheld ("cannot be verified") when a description names more than one
 * certificate or another one than the browser reports in use.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  certificateFingerprints,
  CODE_WORDS,
  descriptionFingerprints,
  type StatsEntry,
  UNVERIFIABLE_EXPLAINED,
  unverifiableDescription,
  verification,
  verificationCode,
  words,
} from "../../client/verification/verification.ts";

const ALICE = "sha-256 AA:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
const BOB = "sha-256 BB:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
const MALLORY = "sha-256 CC:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

/** A description as a browser writes it: the fingerprint once per media section. */
function description(...fingerprints: string[]): string {
  const lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"];
  for (const media of ["audio", "video"]) {
    lines.push(`m=${media} 9 UDP/TLS/RTP/SAVPF 111`, "c=IN IP4 0.0.0.0");
    for (const fingerprint of fingerprints) lines.push(`a=fingerprint:${fingerprint}`);
  }
  return lines.join("\r\n") + "\r\n";
}

/** getStats entries of a transport whose certificates are `local` and `remote`. */
function stats(local: string, remote: string, extra: StatsEntry[] = []): StatsEntry[] {
  const cert = (id: string, f: string) => ({
    type: "certificate",
    id,
    fingerprintAlgorithm: f.split(" ")[0],
    fingerprint: f.split(" ")[1],
  });
  return [
    cert("CF-local", local),
    cert("CF-remote", remote),
    {
      type: "transport",
      id: "T",
      dtlsState: "connected",
      localCertificateId: "CF-local",
      remoteCertificateId: "CF-remote",
    },
    ...extra,
  ];
}

const SUCCEEDED: StatsEntry[] = [{ type: "candidate-pair", id: "P", state: "succeeded" }];

Deno.test("the word list is BIP-39's 2,048 distinct words; a code is 6 of them, 66 bits", async () => {
  const list = await words();
  assert.equal(list.length, 2048);
  assert.equal(new Set(list).size, 2048);
  assert.equal(CODE_WORDS, 6);
  assert.ok(Math.log2(list.length) * CODE_WORDS >= 64);
});

Deno.test("both sides get the same code; a certificate in the middle changes it", async () => {
  const alice = await verificationCode({ local: ALICE, remote: BOB });
  const bob = await verificationCode({ local: BOB, remote: ALICE });
  assert.equal(alice, bob);
  assert.equal(alice.split(" ").length, CODE_WORDS);
  const list = await words();
  assert.ok(alice.split(" ").every((word) => list.includes(word)));
  // Mallory terminates DTLS on both legs: each side sees Mallory's certificate as the remote.
  const aliceSees = await verificationCode({ local: ALICE, remote: MALLORY });
  const bobSees = await verificationCode({ local: BOB, remote: MALLORY });
  assert.notEqual(aliceSees, bobSees);
  assert.notEqual(aliceSees, alice);
  // Fixed by its derivation: both browsers, and every version, must say the same words.
  assert.equal(
    alice,
    "caught clarify cost rate fire finger",
    "as Python's hashlib.pbkdf2_hmac derives it",
  );
});

Deno.test("the fingerprints come from the transport's own certificates, normalized", () => {
  const entries = stats("SHA-256 aa:11", "sha-256 BB:22", [
    { type: "certificate", id: "CF-other", fingerprint: "ff:ff", fingerprintAlgorithm: "sha-256" },
  ]);
  assert.deepEqual(certificateFingerprints(entries), {
    local: "sha-256 AA:11",
    remote: "sha-256 BB:22",
  });
  // Before DTLS is done there is no remote certificate: no code yet.
  assert.equal(
    certificateFingerprints(
      entries.map((e) => e.type === "transport" ? { ...e, remoteCertificateId: undefined } : e),
    ),
    null,
  );
});

Deno.test("a description names its certificates once each, however the lines are written", () => {
  assert.deepEqual(descriptionFingerprints(description(ALICE)), [ALICE]);
  assert.deepEqual(descriptionFingerprints(description(MALLORY, ALICE)), [MALLORY, ALICE]);
  const odd = "v=0\r\nA=Fingerprint: sha-256   cc:11\r\na=fingerprint:sha-256 AA:11\r\n";
  assert.equal(descriptionFingerprints(odd).length, 2, "an oddly written line still counts");
  assert.equal(unverifiableDescription(description(ALICE)), null);
  assert.match(
    unverifiableDescription(description(MALLORY, ALICE)) ?? "",
    /cannot be verified: .* 2 certificates/,
  );
});

Deno.test("the code comes from the certificates in use, checked against the descriptions", async () => {
  const honest = await verification(stats(ALICE, BOB), [description(ALICE), description(BOB)]);
  assert.deepEqual(honest, { code: await verificationCode({ local: ALICE, remote: BOB }) });
  // The browser reports no certificates (some Firefox versions): each description's one.
  const fromSdp = await verification(SUCCEEDED, [description(ALICE), description(BOB)]);
  assert.deepEqual(fromSdp, honest);
  // Not before a path works.
  assert.equal(await verification([], [description(ALICE), description(BOB)]), null);
});

Deno.test("two fingerprints in a description, or one the browser does not use: no code", async () => {
  const refused = { unverifiable: UNVERIFIABLE_EXPLAINED };
  assert.match(UNVERIFIABLE_EXPLAINED, /cannot be verified/);
  // The forger's trick: a bogus line first (what Firefox checked), the real one second.
  const twoLines = [description(ALICE), description(MALLORY, BOB)];
  assert.deepEqual(await verification(SUCCEEDED, twoLines), refused);
  assert.deepEqual(await verification(stats(ALICE, MALLORY), twoLines), refused);
  // getStats says Mallory's certificate is in use while the description names Bob's.
  const mismatch = [description(ALICE), description(BOB)];
  assert.deepEqual(await verification(stats(ALICE, MALLORY), mismatch), refused);
  assert.deepEqual(await verification(stats(MALLORY, BOB), mismatch), refused);
});
