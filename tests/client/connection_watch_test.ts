/**
 * Each connection of a call watched on its own (client/quality/connection_watch.ts), on fake
 * connections whose stats say what a lossy link and a clean one would (real seconds: the stats
 * are read once a second): the lossy one's verdict and picture are its own, the clean one's
 * picture keeps the top, what each side says about its picture travels over its own channel, and
 * someone who leaves is no longer read.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { PeerChannels, SendLimits } from "../../machines/peer_types.ts";
import { connectionWatch } from "../../client/quality/connection_watch.ts";

/** A fake connection: stats of a link losing `loss` of its packets with `estimate` bit/s out. */
function connection(loss: number, estimate: number) {
  let reads = 0;
  const limits: SendLimits[] = [];
  const sent: string[] = [];
  const control = Object.assign(new EventTarget(), {
    label: "control",
    readyState: "open",
    send: (text: string) => void sent.push(text),
  });
  const stats = () => {
    reads++;
    const timestamp = reads * 1000;
    const packets = 50 * reads;
    return Promise.resolve(
      new Map(
        [
          { type: "transport", id: "t", selectedCandidatePairId: "p", timestamp },
          {
            type: "candidate-pair",
            id: "p",
            localCandidateId: "l",
            remoteCandidateId: "r",
            currentRoundTripTime: 0.02,
            availableOutgoingBitrate: estimate,
            timestamp,
          },
          { type: "local-candidate", id: "l", candidateType: "host", address: "10.0.0.1" },
          { type: "remote-candidate", id: "r", candidateType: "host", address: "10.0.0.2" },
          {
            type: "inbound-rtp",
            id: "in",
            kind: "audio",
            packetsReceived: packets * (1 - loss),
            packetsLost: packets * loss,
            timestamp,
          },
          { type: "remote-inbound-rtp", id: "ri", fractionLost: loss, roundTripTime: 0.02 },
        ].map((entry) => [entry.id, entry]),
      ),
    );
  };
  const channels: PeerChannels = {
    control,
    files: { label: "files" },
    stats,
    limit: (next) => void limits.push(next),
  };
  return { channels, control, limits, sent, reads: () => reads };
}

Deno.test("a lossy connection and a clean one: each judged and adapted on its own", async () => {
  const ben = connection(0, 5_000_000);
  const cy = connection(0.5, 120_000);
  let changes = 0;
  const watch = connectionWatch({
    choice: { on: () => false, remember: () => {} },
    expected: () => ({ video: true }),
    onChange: () => changes++,
  });
  try {
    const people = [
      { session: "ben", channels: ben.channels },
      { session: "cy", channels: cy.channels },
    ];
    watch.update(people, "camera");
    // The verdict needs three bad seconds after the first read.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    watch.update(people, "camera");

    const benHealth = watch.health("ben")!;
    const cyHealth = watch.health("cy")!;
    assert.deepEqual(benHealth.problems, [], "Ben's connection is clean");
    assert.equal(benHealth.mine?.video, "full", "Ben still gets the full picture");
    assert.deepEqual(
      cyHealth.problems.map((p) => p.id),
      ["localLoss", "remoteLoss"],
      "Cy's connection loses packets both ways",
    );
    assert.notEqual(cyHealth.mine?.video, "full", "the picture to Cy is cut down");
    const last = (limits: SendLimits[]) => limits.at(-1) ?? {};
    assert.equal(last(ben.limits).height, undefined, "Ben's limits: the top of the ladder");
    assert.ok((last(cy.limits).height ?? Infinity) <= 180, `Cy's: ${JSON.stringify(cy.limits)}`);
    // What this side's picture does is told over each one's own channel.
    assert.match(cy.sent.at(-1)!, /"type":"sending","video":"(lowered|paused)"/);
    assert.match(ben.sent.at(-1)!, /"video":"full"/);
    assert.ok(changes > 0, "the page is asked to redraw");

    // What Ben says about his picture is Ben's.
    const paused = { type: "sending", video: "paused", reason: "network", recovering: false };
    ben.control.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(paused) }));
    assert.equal(watch.health("ben")!.theirs?.video, "paused");
    assert.equal(watch.health("cy")!.theirs, null);

    // Cy leaves: Cy's connection is no longer read, Ben's still is.
    watch.update([people[0]], "camera");
    assert.equal(watch.health("cy"), null);
    const [benReads, cyReads] = [ben.reads(), cy.reads()];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(cy.reads(), cyReads, "no read of a connection let go");
    assert.ok(ben.reads() > benReads, "Ben's still read");
  } finally {
    watch.stop();
  }
});
