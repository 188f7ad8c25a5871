/**
 * The words and buttons of the call page (client/page/call_view.ts), for every screen a person can
 * meet, computed from real machine snapshots (the call on fake effects).
 *
 * @module
 */
import assert from "node:assert/strict";
import { mediaFailureText } from "../../client/page/call_words.ts";
import type { MediaFailure } from "../../machines/media_types.ts";
import { connectedPair, createFakeCall, settle, toReady } from "../helpers/fake_call.ts";

Deno.test("a failed camera or microphone is explained in words a person can act on", () => {
  const cases: [MediaFailure, string][] = [
    [
      { reason: "denied", missing: ["audio", "video"] },
      "Parley isn't allowed to use your camera and microphone. Allow access in your browser's address bar, then try again.",
    ],
    [
      { reason: "not-found", missing: ["video"] },
      "No camera was found. Plug one in, then try again.",
    ],
    [
      { reason: "not-found", missing: ["video", "audio"] },
      "No camera and microphone were found. Plug one in, then try again.",
    ],
    [
      { reason: "in-use", missing: ["audio"] },
      "Your microphone is in use by another app. Close it, then try again.",
    ],
    [
      { reason: "insecure", missing: ["video"] },
      "This page can't use a camera: open it over https or on localhost.",
    ],
    [{ reason: "other", missing: ["video"] }, "Your camera could not be started."],
  ];
  for (const [failure, words] of cases) assert.equal(mediaFailureText(failure), words);
});

Deno.test("the screens of a call, from the camera starting to the call ending", async () => {
  const call = createFakeCall("a");
  assert.deepEqual(
    { screen: call.view().screen, status: call.view().status, canJoin: call.view().canJoin },
    { screen: "prejoin", status: "Starting your camera and microphone…", canJoin: false },
  );
  await toReady(call);
  assert.equal(call.view().hasVideo && call.view().hasAudio, true);
  call.send({ type: "user.join" });
  await settle();
  const joining = call.view();
  assert.equal(joining.screen, "call");
  assert.equal(joining.inCall, true);
  assert.equal(joining.canJoin, false);
  call.send({ type: "user.hangUp" });
  call.socket.send({ type: "signal.left" });
  await settle();
  const ended = call.view();
  assert.equal(ended.screen, "message");
  assert.equal(ended.inCall, false);
  assert.deepEqual(ended.alert?.actions, [
    { label: "Rejoin", event: "user.retry" },
    { label: "Start a new call", event: "newCall" },
  ]);
  call.actor.stop();
});

Deno.test("a connected call: Connected., the switches on, Hang up available", async () => {
  const { a, b } = await connectedPair();
  const view = a.view();
  assert.equal(view.status, "Connected.");
  assert.equal(view.connected, true);
  assert.equal(view.micOn && view.cameraOn, true);
  assert.equal(view.alert, null);
  assert.equal(view.notice, null);
  a.actor.stop();
  b.actor.stop();
});
