/**
 * Noise suppression and blur's machine (machines/processing_machine.ts) on fake effects, under a
 * parent that records what it is told: which effects run when, what goes out in the captured
 * tracks' place, and that leaving a state stops its pipeline.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createActor, setup } from "xstate";
import {
  type ProcessingCommand,
  type ProcessingInput,
  processingMachine,
  type ProcessingReport,
} from "../../machines/processing_machine.ts";
import { FakeTrack } from "../helpers/fake_call.ts";
import { fakeEffects } from "../helpers/fake_processing.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The processing machine under a parent that keeps every report. */
function harness(input: Partial<ProcessingInput> = {}) {
  const effects = fakeEffects();
  const reports: ProcessingReport[] = [];
  const parent = setup({
    types: { events: {} as ProcessingReport | ProcessingCommand },
    actors: {
      processing: processingMachine.provide({
        actors: { noiseFilter: effects.noiseFilter, backgroundBlur: effects.backgroundBlur },
      }),
    },
  }).createMachine({
    invoke: {
      id: "processing",
      src: "processing",
      input: {
        on: { noise: false, blur: false },
        unavailable: { noise: null, blur: null },
        sources: { audio: null, video: null },
        ...input,
      },
    },
    on: {
      "processing.output": { actions: ({ event }) => void reports.push(event) },
      "processing.failed": { actions: ({ event }) => void reports.push(event) },
      "processing.set": { actions: ({ event, self }) => tell(self, event) },
      "media.sources": { actions: ({ event, self }) => tell(self, event) },
      "call.joined": { actions: ({ event, self }) => tell(self, event) },
    },
  });
  const tell = (
    self: { getSnapshot(): { children: Record<string, unknown> } },
    event: ProcessingCommand,
  ) => (self.getSnapshot().children.processing as { send(e: ProcessingCommand): void }).send(event);
  const actor = createActor(parent).start();
  const child = () =>
    actor.getSnapshot().children.processing!.getSnapshot() as {
      hasTag(tag: string): boolean;
      context: { failure: Record<string, string | null> };
    };
  return { effects, reports, actor, child, send: (e: ProcessingCommand) => actor.send(e) };
}

const mic = new FakeTrack("audio");
const camera = new FakeTrack("video");

Deno.test("processing: the noise filter waits for the call, then sends its track for the microphone", async () => {
  const h = harness({ on: { noise: true, blur: false }, sources: { audio: mic, video: camera } });
  await settle();
  assert.equal(h.effects.runs.length, 0, "nothing runs before the call (nobody hears it)");
  assert.ok(h.child().hasTag("noiseOn"));
  h.send({ type: "call.joined" });
  await settle();
  const run = h.effects.last("noise")!;
  assert.deepEqual(run.sources, [mic], "started on the microphone");
  assert.ok(h.child().hasTag("noiseStarting"));
  assert.deepEqual(h.reports, [], "nothing replaced before it runs");
  run.ready();
  await settle();
  assert.ok(h.child().hasTag("noiseRunning"));
  assert.deepEqual(h.reports, [
    { type: "processing.output", effect: "noise", kind: "audio", track: run.track },
  ]);
  h.actor.stop();
});

Deno.test("processing: blur starts at once (the preview shows it) and stops when switched off", async () => {
  const h = harness({ sources: { audio: mic, video: camera } });
  h.send({ type: "processing.set", effect: "blur", on: true });
  await settle();
  const run = h.effects.last("blur")!;
  assert.deepEqual(run.sources, [camera]);
  run.ready();
  await settle();
  h.send({ type: "processing.set", effect: "blur", on: false });
  await settle();
  assert.ok(run.stopped, "switching off stops the pipeline");
  assert.deepEqual(h.reports.map((r) => r.type === "processing.output" && r.track), [
    run.track,
    null,
  ], "its track went out, then the camera's again");
  assert.ok(!h.child().hasTag("blurOn"));
  h.actor.stop();
});

Deno.test("processing: another camera goes to the running blur; nothing new goes out", async () => {
  const h = harness({ on: { noise: false, blur: true }, sources: { audio: mic, video: camera } });
  await settle();
  const run = h.effects.last("blur")!;
  run.ready();
  await settle();
  const other = new FakeTrack("video");
  h.send({ type: "media.sources", sources: { audio: mic, video: other } });
  await settle();
  assert.deepEqual(run.sources, [camera, other]);
  assert.equal(h.effects.runs.length, 1, "the same pipeline");
  assert.equal(h.reports.length, 1, "what is sent did not change");
  // Switched off and on again, it starts on the camera of now.
  h.send({ type: "processing.set", effect: "blur", on: false });
  h.send({ type: "processing.set", effect: "blur", on: true });
  await settle();
  assert.deepEqual(h.effects.last("blur")!.sources, [other]);
  h.actor.stop();
});

Deno.test("processing: an effect that cannot start says so, sends nothing, and can be tried again", async () => {
  const h = harness({ on: { noise: false, blur: true }, sources: { audio: mic, video: camera } });
  await settle();
  h.effects.last("blur")!.fail("no WebGL context");
  await settle();
  assert.ok(h.child().hasTag("blurFailed"));
  assert.equal(h.child().context.failure.blur, "no WebGL context");
  assert.deepEqual(h.reports.at(-1), {
    type: "processing.failed",
    effect: "blur",
    reason: "no WebGL context",
  });
  assert.ok(h.effects.last("blur")!.stopped);
  h.send({ type: "processing.set", effect: "blur", on: true });
  await settle();
  assert.equal(h.effects.runs.length, 2, "tried again");
  assert.equal(h.child().context.failure.blur, null);
  h.actor.stop();
});

Deno.test("processing: an effect the browser cannot run never starts, whatever its switch", async () => {
  const h = harness({
    on: { noise: true, blur: true },
    unavailable: { noise: "no-audio-worklet", blur: "no-webgl" },
  });
  h.send({ type: "call.joined" });
  h.send({ type: "processing.set", effect: "blur", on: true });
  await settle();
  assert.equal(h.effects.runs.length, 0);
  assert.ok(h.child().hasTag("noiseUnavailable") && h.child().hasTag("blurUnavailable"));
  h.actor.stop();
});

Deno.test("processing: stopped with its state (the call left), every pipeline stops", async () => {
  const h = harness({ on: { noise: true, blur: true }, sources: { audio: mic, video: camera } });
  h.send({ type: "call.joined" });
  await settle();
  assert.equal(h.effects.runs.length, 2);
  h.actor.stop();
  assert.ok(h.effects.runs.every((run) => run.stopped));
});
