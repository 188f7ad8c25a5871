/**
 * The quality indicator's judgement (client/quality/quality.ts) on made-up seconds of a call: the
 * right words for the right side, only after 3 bad seconds, gone only after 5 good ones, nothing
 * while all is well, and never "frozen" for a picture stopped on purpose.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  APPEAR_AFTER,
  CLEAR_AFTER,
  initialQuality,
  nextQuality,
  type QualityState,
  verdict,
} from "../../client/quality/quality.ts";
import { sample, type StatsSample } from "../../client/quality/stats_sample.ts";
import type { StatsEntry } from "../../client/verification/verification.ts";

const GOOD: StatsSample = {
  at: 0,
  rttMs: 20,
  inBitrate: 1e6,
  outBitrate: 1e6,
  inLost: 0,
  inExpected: 150,
  outLossFraction: 0,
  estimate: 2_000_000,
  mediaRttMs: 25,
  cpuLimited: false,
  framesDecoded: 30,
  totalFramesDecoded: 900,
  width: 640,
  height: 480,
  fps: 30,
  codec: "VP8",
  path: "direct",
};

function run(samples: StatsSample[], state: QualityState = initialQuality()) {
  const words: string[][] = [];
  for (const s of samples) {
    state = nextQuality(state, s);
    words.push(verdict(state).map((problem) => problem.text));
  }
  return { state, words };
}

const times = (n: number, s: StatsSample) => Array.from({ length: n }, () => s);

Deno.test("a good call shows nothing", () => {
  const { words } = run(times(30, GOOD));
  assert.ok(words.every((w) => w.length === 0));
});

Deno.test("losing incoming packets: 'Your connection', after 3 bad seconds, gone after 5 good", () => {
  const lossy = { ...GOOD, inLost: 15, inExpected: 150 };
  const { state, words } = run(times(APPEAR_AFTER, lossy));
  assert.deepEqual(words, [[], [], ["Your connection is losing packets"]]);
  const after = run(times(CLEAR_AFTER, GOOD), state).words;
  assert.deepEqual(
    after.slice(0, CLEAR_AFTER - 1),
    times(CLEAR_AFTER - 1, [
      "Your connection is losing packets",
    ] as never),
  );
  assert.deepEqual(after.at(-1), []);
});

Deno.test("no flicker: a bad second now and then never shows, a good one now and then never hides", () => {
  const lossy = { ...GOOD, inLost: 30, inExpected: 150 };
  const mostlyGood = run([GOOD, lossy, lossy, GOOD, lossy, lossy, GOOD, lossy]).words;
  assert.ok(mostlyGood.every((w) => w.length === 0));
  const shown = run(times(3, lossy)).state;
  const mostlyBad = run([GOOD, lossy, GOOD, GOOD, lossy, GOOD, GOOD, GOOD, GOOD], shown).words;
  assert.ok(mostlyBad.every((w) => w.includes("Your connection is losing packets")));
});

Deno.test("their reports of our packets lost: 'Their connection'; their video stuck: 'frozen'", () => {
  const { words } = run(times(3, { ...GOOD, outLossFraction: 0.12 }));
  assert.deepEqual(words.at(-1), ["Their connection is losing packets"]);
  const frozen = run(times(3, { ...GOOD, framesDecoded: 0 })).words;
  assert.deepEqual(frozen.at(-1), ["Their video is frozen"]);
  // Before any frame was decoded, nothing can be frozen.
  const never = run(times(5, { ...GOOD, framesDecoded: 0, totalFramesDecoded: 0 })).words;
  assert.deepEqual(never.at(-1), []);
  // Too few packets to judge loss by.
  const quiet = run(times(5, { ...GOOD, inLost: 2, inExpected: 5 })).words;
  assert.deepEqual(quiet.at(-1), []);
});

Deno.test("a relayed call says so as information, after the warnings", () => {
  const relayed = { ...GOOD, path: "relay" as const, inLost: 20 };
  const { state } = run(times(3, relayed));
  assert.deepEqual(
    verdict(state).map((p) => [p.text, p.severity]),
    [["Your connection is losing packets", "warning"], ["The call goes through a relay", "info"]],
  );
});

/** Two seconds of a Chromium report, trimmed to what is read (shapes as Chromium reports). */
function report(t: number, received: number, lost: number, decoded: number): StatsEntry[] {
  return [
    { type: "transport", id: "T1", timestamp: t, selectedCandidatePairId: "CP1" },
    {
      type: "candidate-pair",
      id: "CP1",
      timestamp: t,
      localCandidateId: "L1",
      remoteCandidateId: "R1",
      state: "succeeded",
      currentRoundTripTime: 0.042,
      availableOutgoingBitrate: 1_500_000,
    },
    { type: "local-candidate", id: "L1", timestamp: t, candidateType: "srflx" },
    { type: "remote-candidate", id: "R1", timestamp: t, candidateType: "host" },
    {
      type: "inbound-rtp",
      id: "IV",
      kind: "video",
      timestamp: t,
      packetsReceived: received,
      packetsLost: lost,
      bytesReceived: received * 1000,
      framesDecoded: decoded,
      frameWidth: 1280,
      frameHeight: 720,
      framesPerSecond: 30,
      codecId: "C1",
    },
    { type: "codec", id: "C1", timestamp: t, mimeType: "video/VP8" },
    {
      type: "outbound-rtp",
      id: "OV",
      kind: "video",
      timestamp: t,
      bytesSent: t * 100,
      qualityLimitationReason: "cpu",
    },
    {
      type: "remote-inbound-rtp",
      id: "RV",
      kind: "video",
      timestamp: t,
      fractionLost: 0.25,
      roundTripTime: 0.06,
    },
    { type: "remote-inbound-rtp", id: "RA", kind: "audio", timestamp: t, roundTripTime: 0.05 },
  ];
}

Deno.test("a second read from two reports: rates, loss both ways, video, codec, path", () => {
  const s = sample(report(1000, 100, 0, 30), report(2000, 190, 10, 60));
  assert.equal(s.inBitrate, 90 * 1000 * 8);
  assert.equal(s.outBitrate, 100_000 * 8);
  assert.deepEqual([s.inLost, s.inExpected], [10, 100]);
  assert.equal(s.outLossFraction, 0.25);
  assert.equal(s.rttMs, 42);
  assert.equal(s.estimate, 1_500_000, "what the browser estimates we can send");
  assert.equal(s.mediaRttMs, 60, "the longest round trip the other side's reports give");
  assert.equal(s.cpuLimited, true, "the browser holds our video back for want of CPU");
  assert.deepEqual([s.framesDecoded, s.width, s.height, s.fps, s.codec], [
    30,
    1280,
    720,
    30,
    "VP8",
  ]);
  assert.equal(s.path, "nat");
});

Deno.test("the path: a relay, a NAT, or direct (a peer-reflexive twin of a host candidate too)", () => {
  const at = (local: string, remote: string, remoteAddress = "10.0.0.2") => {
    const entries = report(1000, 0, 0, 0).map((e) =>
      e.id === "L1"
        ? { ...e, candidateType: local, address: "10.0.0.1" }
        : e.id === "R1"
        ? { ...e, candidateType: remote, address: remoteAddress }
        : e
    );
    entries.push({
      type: "remote-candidate",
      id: "R2",
      candidateType: "host",
      address: "10.0.0.2",
    });
    return sample(entries, entries).path;
  };
  assert.equal(at("host", "host"), "direct");
  assert.equal(at("host", "prflx"), "direct");
  assert.equal(at("host", "prflx", "203.0.113.9"), "nat");
  assert.equal(at("srflx", "host"), "nat");
  assert.equal(at("relay", "host"), "relay");
});

Deno.test("never 'frozen' while their camera is off, switched or a share still: after, 3 bad seconds again", () => {
  const stopped = { ...GOOD, framesDecoded: 0 };
  let state = initialQuality();
  // Their camera goes off (or is being switched, or a shared screen shows nothing new): no
  // frames for 20 s, and nothing is said about it.
  for (let i = 0; i < 20; i++) {
    state = nextQuality(state, stopped, { video: false });
    assert.deepEqual(verdict(state), [], `second ${i + 1} of a stopped picture`);
  }
  // It comes back: its first seconds without frames are not "frozen" at once...
  state = nextQuality(state, stopped, { video: true });
  state = nextQuality(state, stopped, { video: true });
  assert.deepEqual(verdict(state), []);
  // ...but a picture that stays frozen while expected is said after 3 bad seconds.
  state = nextQuality(state, stopped, { video: true });
  assert.deepEqual(verdict(state).map((p) => p.id), ["frozen"]);
  // A shown "frozen" goes at once when they turn their camera off.
  state = nextQuality(state, stopped, { video: false });
  assert.deepEqual(verdict(state), [], "gone once their camera is off");
});
