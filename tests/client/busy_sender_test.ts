/**
 * A sender whose page is starved of CPU on a clean link (client/adaptation/path_reading.ts,
 * client/adaptation/adaptation.ts), fed the seconds such a page reads: the browser's encoder short
 * of CPU now and then (`qualityLimitationReason` "cpu", on and off), round trips up by the
 * machine's own delay, a second with no stats at all, and the browser's estimate fallen with the
 * delay and climbing back slowly after. Its picture is neither lowered nor paused, so the other
 * side's tile of it and the pill of a call of two say nothing ("Their video is coming back" would
 * be a false alarm); trouble of the path's own after the spell is still answered.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { SendingState } from "../../client/adaptation/adaptation.ts";
import { sendingLines } from "../../client/adaptation/sending_view.ts";
import { groupNotes } from "../../client/page/connection_notes.ts";
import { start } from "../helpers/adaptation_driver.ts";
import { connectedGroup } from "../helpers/fake_call.ts";

/** Ada's view of a connected group of three (a plain object, read once). */
const view = await (async () => {
  const { calls } = await connectedGroup(["a", "b", "c"]);
  const seen = calls[0].view();
  for (const call of calls) call.actor.stop();
  return seen;
})();

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
