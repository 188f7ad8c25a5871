/**
 * The verification code (client/verification/verification.ts): the same on both sides (each sees its own
 * certificate as "local"), different when any certificate differs (someone in the middle).
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  certificateFingerprints,
  CODE_WORDS,
  type StatsEntry,
  verificationCode,
  WORDS,
} from "../../client/verification/verification.ts";

const ALICE = "sha-256 AA:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
const BOB = "sha-256 BB:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
const MALLORY = "sha-256 CC:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";

Deno.test("the word list has 256 distinct words", () => {
  assert.equal(WORDS.length, 256);
  assert.equal(new Set(WORDS).size, 256);
});

Deno.test("both sides get the same code; a certificate in the middle changes it", async () => {
  const alice = await verificationCode({ local: ALICE, remote: BOB });
  const bob = await verificationCode({ local: BOB, remote: ALICE });
  assert.equal(alice, bob);
  assert.equal(alice.split(" ").length, CODE_WORDS);
  assert.ok(alice.split(" ").every((word) => WORDS.includes(word)));
  // Mallory terminates DTLS on both legs: each side sees Mallory's certificate as the remote.
  const aliceSees = await verificationCode({ local: ALICE, remote: MALLORY });
  const bobSees = await verificationCode({ local: BOB, remote: MALLORY });
  assert.notEqual(aliceSees, bobSees);
  assert.notEqual(aliceSees, alice);
});

Deno.test("the fingerprints come from the transport's own certificates, normalized", () => {
  const entries: StatsEntry[] = [
    { type: "certificate", id: "CF-other", fingerprint: "ff:ff", fingerprintAlgorithm: "sha-256" },
    {
      type: "certificate",
      id: "CF-local",
      fingerprint: "aa:11",
      fingerprintAlgorithm: "SHA-256",
    },
    { type: "certificate", id: "CF-remote", fingerprint: "BB:22", fingerprintAlgorithm: "sha-256" },
    {
      type: "transport",
      id: "T",
      localCertificateId: "CF-local",
      remoteCertificateId: "CF-remote",
    },
  ];
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
