/**
 * The health of one peer connection's path (machines/link_machine.ts) on simulated time: when a
 * first connection is judged, counted from when the browsers start trying paths, so that a busy
 * machine slow to exchange the descriptions is not told "no path".
 *
 * @module
 */
import assert from "node:assert/strict";
import { createActor, setup, SimulatedClock } from "xstate";
import { type LinkEvent, linkMachine } from "../../machines/link_machine.ts";

/** A link in a host that records what it reports, on a clock of its own. */
function hostedLink() {
  const reports: { type: string; reason?: string }[] = [];
  const clock = new SimulatedClock();
  const host = setup({ actors: { link: linkMachine } }).createMachine({
    invoke: { id: "link", src: "link", input: {} },
    on: {
      "*": { actions: ({ event }) => reports.push(event as { type: string; reason?: string }) },
    },
  });
  const actor = createActor(host, { clock }).start();
  const link = () => actor.getSnapshot().children.link!;
  return {
    reports,
    send: (event: LinkEvent) => link().send(event),
    advance: (ms: number) => clock.increment(ms),
    state: () => JSON.stringify(link().getSnapshot().value),
    stop: () => actor.stop(),
  };
}

Deno.test("a first connection is judged 6 s after its paths start being tried, however slow the descriptions", () => {
  const link = hostedLink();
  // The offer and answer take 9 s on a busy machine: nothing to judge yet.
  link.advance(9000);
  assert.deepEqual(link.reports, []);
  link.send({ type: "pc.connection", state: "connecting" });
  link.advance(5999);
  assert.deepEqual(link.reports, []);
  link.advance(1);
  assert.deepEqual(link.reports, [{ type: "link.diagnose" }]);
  link.send({ type: "pc.diagnosis", path: false, relay: false, turn: false });
  assert.deepEqual(link.reports.at(-1), { type: "link.failed", reason: "no-relay" });
  link.stop();
});

Deno.test("a first connection whose descriptions never complete fails at 20 s, not before", () => {
  const link = hostedLink();
  link.advance(19_999);
  assert.deepEqual(link.reports, []);
  link.advance(1);
  assert.deepEqual(link.reports, [{ type: "link.failed", reason: "no-path" }]);
  assert.equal(link.state(), '"failed"');
  link.stop();
});

Deno.test("a path found while the descriptions are still settling: connected, nothing reported", () => {
  const link = hostedLink();
  link.send({ type: "pc.connection", state: "connected" });
  link.advance(30_000);
  assert.deepEqual(link.reports, []);
  assert.equal(link.state(), '"connected"');
  link.stop();
});
