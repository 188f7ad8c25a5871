/**
 * Noise suppression and blur in the call (machines/call_machine.ts with the processing machine)
 * on fake effects and simulated time: the switches, what the peer connection sends, and that
 * neither switching nor another camera ever makes a new offer.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  connectedPair,
  createFakeCall,
  type FakeCall,
  settle,
  toReady,
} from "../helpers/fake_call.ts";
import { fakeEffects } from "../helpers/fake_processing.ts";
import { effectSwitches } from "../../client/processing/effect_switches.ts";
import { effectNote } from "../../client/processing/effect_notes.ts";

/** The switches as the page shows them, each with its note. */
function switches(call: FakeCall) {
  return Object.fromEntries(
    effectSwitches(call.actor.getSnapshot()).map((
      s,
    ) => [s.effect, { ...s, note: effectNote(s.effect, s.status) }]),
  );
}

Deno.test("effects: noise suppression (on) starts with the call and what it makes is sent", async () => {
  const effects = fakeEffects();
  const { a, b, room } = await connectedPair({
    effects,
    input: { effects: { noise: "on", blur: "off" } },
  });
  const run = effects.last("noise")!;
  const mic = a.media.at(-1)!.tracks.find((t) => t.kind === "audio")!;
  assert.deepEqual(run.sources, [mic], "started on the microphone, once in the call");
  assert.deepEqual([switches(a).noise.on, switches(a).noise.running], [true, false]);
  const offers = a.pc.commands.filter((c) => c === "offer").length;
  run.ready();
  await settle();
  assert.ok(a.pc.sent.includes(run.track), "the denoised sound is sent");
  assert.ok(!a.pc.sent.includes(mic), "in the microphone's place");
  assert.deepEqual(switches(a).noise, {
    effect: "noise",
    label: "Reduce background noise",
    status: "running",
    on: true,
    disabled: false,
    note: null,
    running: true,
  });
  // Switched off mid-call: the microphone goes out again, then the filter stops.
  a.send({ type: "user.toggleEffect", effect: "noise" });
  await settle();
  assert.ok(a.pc.sent.includes(mic) && !a.pc.sent.includes(run.track));
  assert.ok(run.stopped);
  assert.equal(switches(a).noise.on, false);
  await room.pump();
  assert.equal(a.pc.commands.filter((c) => c === "offer").length, offers, "no new offer");
  assert.equal(a.pc.commands.filter((c) => c === "replaceTrack").length, 2);
  a.actor.stop();
  b.actor.stop();
});

Deno.test("effects: the noise filter waits on the pre-join screen (on, not running)", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", { effects, input: { effects: { noise: "on", blur: "off" } } });
  await toReady(call);
  assert.equal(effects.runs.length, 0);
  assert.deepEqual([switches(call).noise.on, switches(call).noise.running], [true, false]);
  assert.equal(switches(call).noise.note, null);
  call.actor.stop();
});

Deno.test("effects: blur shows in the preview before joining; leaving stops it", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", { effects });
  await toReady(call);
  call.send({ type: "user.toggleEffect", effect: "blur" });
  await settle();
  const run = effects.last("blur")!;
  run.ready();
  await settle();
  const shown = call.actor.getSnapshot().context.stream!.getTracks();
  assert.ok(shown.includes(run.track), "the preview shows the blurred picture");
  assert.equal(switches(call).blur.on, true);
  assert.equal(switches(call).blur.running, true);
  call.actor.stop();
  assert.ok(run.stopped, "leaving the page's call stops the blur");
});

Deno.test("effects: another camera under the blur changes nothing sent; no offer", async () => {
  const effects = fakeEffects();
  const { a, b, room } = await connectedPair({
    effects,
    input: { effects: { noise: "off", blur: "on" } },
  });
  const run = effects.last("blur")!;
  run.ready();
  await settle();
  assert.ok(a.pc.sent.includes(run.track));
  const commands = a.pc.commands.length;
  a.send({ type: "user.useDevice", kind: "video", deviceId: "another-camera" });
  await settle();
  const camera = a.media.at(-1)!.tracks.filter((t) => t.kind === "video").at(-1)!;
  assert.equal(run.sources.at(-1), camera, "the blur takes the new camera");
  assert.ok(a.pc.sent.includes(run.track), "still the blurred picture goes out");
  await room.pump();
  assert.equal(a.pc.commands.length, commands, "nothing for the peer connection to do");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("effects: blur that cannot start turns its switch off and says so; pressing tries again", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", { effects, input: { effects: { noise: "off", blur: "on" } } });
  await toReady(call);
  effects.last("blur")!.fail("no WebGL context");
  await settle();
  assert.deepEqual(
    [switches(call).blur.on, switches(call).blur.note],
    [false, "Background blur could not start."],
  );
  call.send({ type: "user.toggleEffect", effect: "blur" });
  await settle();
  assert.equal(effects.runs.length, 2);
  assert.equal(switches(call).blur.on, true);
  call.actor.stop();
});

Deno.test("effects: blur that finds a part missing as it starts (no WebGL 2) is disabled, saying why", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", { effects, input: { effects: { noise: "off", blur: "on" } } });
  await toReady(call);
  effects.last("blur")!.fail("no-webgl");
  await settle();
  const { blur } = switches(call);
  assert.deepEqual([blur.disabled, blur.on], [true, false]);
  assert.match(blur.note!, /needs WebGL 2/);
  call.send({ type: "user.toggleEffect", effect: "blur" });
  await settle();
  assert.equal(effects.runs.length, 1, "not tried again");
  call.actor.stop();
});

Deno.test("effects: a browser that cannot run them gets disabled switches that say why", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", {
    effects,
    input: {
      effects: { noise: "no-audio-worklet", blur: "no-webassembly" },
    },
  });
  await toReady(call);
  call.send({ type: "user.toggleEffect", effect: "blur" });
  call.send({ type: "user.toggleEffect", effect: "noise" });
  await settle();
  assert.equal(effects.runs.length, 0);
  const { noise, blur } = switches(call);
  assert.deepEqual([noise.disabled, noise.on, blur.disabled, blur.on], [
    true,
    false,
    true,
    false,
  ]);
  assert.match(noise.note!, /AudioWorklet.*own noise reduction is on instead/);
  assert.match(blur.note!, /needs WebAssembly/);
  call.actor.stop();
});

Deno.test("effects: blur switched on while sharing a screen leaves the screen on the call", async () => {
  const effects = fakeEffects();
  const { a, b } = await connectedPair({ effects });
  a.send({ type: "user.shareScreen" });
  await settle();
  const share = a.shares.at(-1)!;
  share.pick();
  await settle();
  assert.ok(a.pc.sent.includes(share.track));
  a.send({ type: "user.toggleEffect", effect: "blur" });
  await settle();
  const run = effects.last("blur")!;
  run.ready();
  await settle();
  assert.ok(a.pc.sent.includes(share.track), "the screen stays");
  a.send({ type: "user.stopSharing" });
  await settle();
  assert.ok(a.pc.sent.includes(run.track), "then the camera comes back, blurred");
  a.actor.stop();
  b.actor.stop();
});

Deno.test("effects: Parley's noise suppression replaces the browser's; where it cannot run or fails, the browser's is back", async () => {
  const effects = fakeEffects();
  const call = createFakeCall("a", { effects, input: { effects: { noise: "on", blur: "off" } } });
  await toReady(call);
  assert.equal(call.media.at(-1)!.browserNoiseSuppression, false, "captured without the browser's");
  call.send({ type: "user.join" });
  await settle();
  effects.last("noise")!.fail("the AudioContext closed");
  await settle();
  assert.equal(call.media.at(-1)!.browserNoiseSuppression, true, "the microphone anew, with it");
  assert.match(
    switches(call).noise.note!,
    /could not start; your browser's own noise reduction is on/,
  );
  call.actor.stop();

  const unable = createFakeCall("b", {
    effects,
    input: { effects: { noise: "no-audio-worklet" } },
  });
  await toReady(unable);
  assert.equal(unable.media.at(-1)!.browserNoiseSuppression, true);
  unable.actor.stop();
});
