/**
 * A sender whose page is starved of CPU on a clean link (client/adaptation/path_reading.ts,
 * client/adaptation/adaptation.ts), fed the seconds such a page reads: the browser's encoder short
 * of CPU now and then (`qualityLimitationReason` "cpu", on and off), round trips up by the
 * machine's own delay, a second with no stats at all, and the browser's estimate fallen with the
 * delay and climbing back slowly after. Its picture is neither lowered nor paused, so the other
 * side's tile of it and the pill of a call of two say nothing ("Their video is coming back" would
 * be a false alarm); trouble of the path's own after the spell is still answered. And a connection
 * made on a busy machine, whose estimate dipped in its first seconds (a picture lowered then is
 * not said) and climbed back (client/adaptation/adaptation_link.ts): nothing said either way.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { PeerChannels } from "../../machines/peer_types.ts";
import type { SendingState } from "../../client/adaptation/adaptation.ts";
import { adaptationLink } from "../../client/adaptation/adaptation_link.ts";
import type { StatsSample } from "../../client/quality/stats_sample.ts";
import { sendingLines } from "../../client/adaptation/sending_view.ts";
import { groupNotes } from "../../client/page/connection_notes.ts";
import { start } from "../helpers/adaptation_driver.ts";
import { connectedGroupView } from "../helpers/fake_call.ts";

/** Ada's view of a connected group of three (a plain object, read once). */
const view = await connectedGroupView(["a", "b", "c"]);

const FULL: SendingState = { video: "full", reason: null, recovering: false };

/** What Ada's page says of Ben when Ben says his picture goes `theirs`: tile, and a call of two. */
function saidOfBen(theirs: SendingState): string[] {
  const well = { connected: true, problems: [], mine: FULL };
  const { pill, notes } = groupNotes(view, [
    { session: "ben", ...well, theirs },
    { session: "cy", ...well, theirs: FULL },
  ]);
  return [
    ...(notes.has("ben") ? [`tile: ${notes.get("ben")!.text}`] : []),
    ...(pill ? [`pill: ${pill.text}`] : []),
    ...sendingLines(null, theirs).map((line) => `call of two: ${line.text}`),
  ];
}

/**
 * Twelve starved seconds: the CPU flag on and off (three seconds in a row without it), round
 * trips of the machine's delay, one second whose stats did not come, the estimate falling.
 */
const STARVED = [
  { cpu: true, rtt: 380, estimate: 700_000 },
  { cpu: true, rtt: 520, estimate: 420_000 },
  { cpu: false, rtt: 90, estimate: 260_000 },
  { cpu: false, rtt: 610, estimate: 190_000 },
  { cpu: false, rtt: 240, estimate: 160_000 },
  { cpu: false, rtt: 130, estimate: 150_000 },
  { cpu: true, rtt: null, estimate: null },
  { cpu: true, rtt: 450, estimate: 140_000 },
  { cpu: false, rtt: 330, estimate: 140_000 },
  { cpu: true, rtt: 270, estimate: 150_000 },
  { cpu: true, rtt: 480, estimate: 150_000 },
  { cpu: false, rtt: 60, estimate: 160_000 },
];

/** A sender at the top of a clean link, then starved as above; `after` what the page says. */
function starvedSender() {
  const t = start().hold(5, 3_000_000);
  const said: string[] = [];
  const tell = () => said.push(...saidOfBen(t.state()));
  for (const { cpu, rtt, estimate } of STARVED) {
    t.sample(estimate, {
      rttMs: rtt,
      cpuLimited: cpu,
      ...(estimate === null ? { loss: null } : {}),
    });
    tell();
  }
  return { t, said, tell };
}

Deno.test("a sender starved of CPU on a clean link is neither lowered nor paused, and no page says its link is weak or its video coming back", () => {
  const { t, said, tell } = starvedSender();
  // The CPU back: round trips at their usual (a lone high one), the estimate climbing 8% a second
  // from where the spell left it, not yet back at the top (a group's share may keep it below).
  let estimate = 160_000;
  for (let second = 0; second < 30; second++) {
    estimate *= 1.08;
    t.sample(Math.min(estimate, 1_100_000), { rttMs: second === 7 ? 300 : 20 });
    tell();
  }
  assert.deepEqual([...new Set(said)], [], "nothing said of Ben's picture");
  assert.deepEqual(t.state(), FULL);
  assert.deepEqual(t.limits(), { fresh: 0 }, "no size or bitrate of Parley's");
});

Deno.test("after a busy spell, a queue that holds still lowers and pauses the picture", () => {
  const { t } = starvedSender();
  // A full link now: round trips up and staying up with CPU enough, the estimate too low.
  t.hold(4, 150_000, { rttMs: 20 }).hold(3, 150_000, { rttMs: 400 });
  assert.equal(t.state().video, "lowered", "a queue that holds: the estimate decides again");
  t.hold(5, 90_000, { rttMs: 400 });
  assert.equal(t.state().video, "paused", "too poor for the lowest level with a queue");
});

Deno.test("after a busy spell, most packets lost pauses the picture", () => {
  const { t } = starvedSender();
  t.hold(2, 150_000, { loss: 0.5 });
  assert.equal(t.state().video, "paused");
});

/**
 * The connection Dee's page made to Cy in a call of four on a busy machine (recorded: the estimate
 * of each second, bit/s, and its round trip, ms): nothing lost, no CPU flag, reads on time; the
 * estimate fell from 1.35 Mbit/s to 430 kbit/s in the second second and was back 9 s later.
 */
const DIPPED_START = [
  [1_349_600, 8],
  [428_598, 56],
  [428_598, 56],
  [428_598, 6],
  [608_800, 51],
  [608_800, 5],
  [608_800, 5],
  [608_800, 5],
  [608_800, 25],
  [608_800, 2],
  [1_370_105, 11],
  [1_370_105, 11],
  [1_370_105, 21],
] as const;

/** A second of stats that says `estimate` and `rttMs`, nothing lost, CPU enough. */
function second(at: number, estimate: number, rttMs: number): StatsSample {
  return {
    ...{ at, rttMs, inBitrate: 0, outBitrate: 0, inLost: 0, inExpected: 0, outLossFraction: 0 },
    ...{ estimate, mediaRttMs: rttMs, cpuLimited: false, framesDecoded: null },
    ...{ totalFramesDecoded: null, width: null, height: null, fps: null, codec: null },
    path: "direct",
  } as StatsSample;
}

/** A fake connection's channels: what is said over its control channel, kept. */
function channels() {
  const sent: string[] = [];
  const control = Object.assign(new EventTarget(), {
    label: "control",
    readyState: "open",
    send: (text: string) => void sent.push(text),
  });
  const made = { control, files: { label: "files" }, limit: () => {} };
  return { channels: made as unknown as PeerChannels, control, sent };
}

Deno.test("a connection whose estimate dipped in its first seconds and climbed back: its picture is never said to be coming back", () => {
  const cy = channels();
  const link = adaptationLink({ on: () => false, remember: () => {} }, () => {});
  link.follow(cy.channels, "camera");
  const told = new Set<string>();
  DIPPED_START.forEach(([estimate, rtt], i) => {
    link.update(second(1000 * (i + 1), estimate, rtt));
    told.add(JSON.stringify(link.mine()));
  });
  assert.deepEqual([...told], [JSON.stringify(FULL)], "Cy's own page says nothing");
  assert.ok(cy.sent.every((text) => !text.includes('"recovering":true')), cy.sent.join("\n"));

  // And Dee's page, told so by a page that says it, says nothing until it was told of trouble.
  const dee = channels();
  const deeLink = adaptationLink({ on: () => false, remember: () => {} }, () => {});
  deeLink.follow(dee.channels, "camera");
  const hear = (state: SendingState) =>
    dee.control.dispatchEvent(
      new MessageEvent("message", { data: JSON.stringify({ type: "sending", ...state }) }),
    );
  const back: SendingState = { video: "lowered", reason: "network", recovering: true };
  hear(back);
  assert.deepEqual(saidOfBen(deeLink.theirs()!), [], "no news of a weak link it never heard");
  hear({ video: "paused", reason: "network", recovering: false });
  hear(back);
  assert.deepEqual(saidOfBen(deeLink.theirs()!), [
    "tile: Their video is coming back",
    "call of two: Their connection is better: their video is coming back",
  ], "after a pause, coming back is news");
});
