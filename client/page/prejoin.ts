/**
 * The pre-join screen: yourself in a large mirrored preview with the microphone and camera
 * switches over its bottom edge, beside them those of noise suppression and background blur (whose
 * preview shows here; they come with the call's chunk, a moment after the camera, and have their
 * place kept meanwhile), and the microphone's level under it; beside it (below it on a
 * phone) "Ready to join?", who is in the room, your name, your devices, the choice to hide your
 * network address where it changes something, and Join.
 *
 * @module
 */
import { dataSaverOn, rememberDataSaver } from "../adaptation/data_saver.ts";
import { micMeter } from "../devices/mic_meter.ts";
import { MAX_NAME_LENGTH } from "../presence/name.ts";
import type { PrejoinEffects } from "../processing/effect_switches.ts";
import { h, text } from "../ui/dom.ts";
import { mediaSwitch } from "./media_switches.ts";
import type { PageHost, Screen } from "./screen.ts";

/** The pre-join screen. */
export function prejoinScreen(host: PageHost): Screen {
  const mic = mediaSwitch("mic", () => host.send({ type: "user.toggleMic" }));
  const camera = mediaSwitch("camera", () => host.send({ type: "user.toggleCamera" }));
  // Noise suppression and blur, once the call's chunk has brought their switches.
  const effectSlot = h("span", { className: "effects" });
  let effects: PrejoinEffects | null = null;
  // Why a switch is disabled, where one is (a browser without AudioWorklet or WebAssembly).
  const effectNotes = h("p", { className: "note", hidden: true });
  const video = h("video", {
    id: "local-video",
    className: "mirror",
    autoplay: true,
    playsInline: true,
    muted: true,
    "aria-label": "Your camera",
  });
  const off = h(
    "div",
    { className: "preview-off", hidden: true },
    h("p", null, "Your camera is off"),
  );
  const level = h("meter", {
    id: "mic-level",
    min: 0,
    max: 1,
    low: 0.2,
    high: 0.9,
    optimum: 0.5,
    value: 0,
    "aria-label": "Microphone level",
  });
  const meter = micMeter(level);

  const heading = h("h1", { tabIndex: -1 }, "Ready to join?");
  const occupancy = h("p", { className: "occupancy" });
  const nameInput = h("input", {
    id: "display-name",
    type: "text",
    maxLength: MAX_NAME_LENGTH,
    autocomplete: "nickname",
    placeholder: "How they will see you",
    value: host.name.get(),
    oninput: () => host.name.set(nameInput.value),
  });
  const hide = h("input", {
    type: "checkbox",
    onchange: () => host.send({ type: "user.toggleHideAddress" }),
  });
  const hideRow = h(
    "label",
    { className: "checkbox", hidden: true },
    hide,
    h(
      "span",
      null,
      "Hide my network address",
      h(
        "small",
        null,
        "The call goes through this server's relay, so the other person never learns your IP address. It may cost a little quality.",
      ),
    ),
  );
  // Read again by the call when it starts (`adaptation_link.ts`).
  const saver = h("input", {
    id: "data-saver",
    type: "checkbox",
    checked: dataSaverOn(),
    onchange: () => rememberDataSaver(saver.checked),
  });
  const saverRow = h(
    "label",
    { className: "checkbox" },
    saver,
    h(
      "span",
      null,
      "Data saver",
      h("small", null, "Sends a small picture at a low bitrate, for metered connections."),
    ),
  );
  const join = h("button", {
    id: "join",
    type: "button",
    className: "primary join",
    disabled: true,
    onclick: () => {
      host.preload();
      host.send({ type: "user.join" });
    },
    // The call's code starts loading as soon as the person reaches for Join.
    onpointerdown: host.preload,
    onfocus: host.preload,
  }, "Join");
  const note = h("p", { className: "note", hidden: true });

  const element = h(
    "main",
    { className: "prejoin" },
    h(
      "section",
      { className: "preview-column", "aria-label": "Your camera and microphone" },
      h(
        "div",
        { className: "preview" },
        video,
        off,
        h("div", { className: "over" }, [
          mic.button,
          camera.button,
          effectSlot,
        ]),
      ),
      h("div", { className: "level" }, h("span", { "aria-hidden": "true" }, "Microphone"), level),
      effectNotes,
    ),
    h(
      "section",
      { className: "join-column", "aria-labelledby": "prejoin-title" },
      heading,
      occupancy,
      h(
        "div",
        { className: "field" },
        h("label", { htmlFor: "display-name" }, "Your name ", h("small", null, "(optional)")),
        nameInput,
      ),
      h(
        "button",
        {
          type: "button",
          className: "secondary",
          onclick: host.openDevices,
        },
        "Check your devices",
      ),
      hideRow,
      saverRow,
      join,
      note,
    ),
  );
  heading.id = "prejoin-title";

  return {
    element,
    update({ view, stream, snapshot }) {
      if (video.srcObject !== stream) video.srcObject = stream;
      video.hidden = !view.hasVideo;
      off.hidden = view.hasVideo && view.cameraOn;
      mic.update(view);
      camera.update(view);
      if (!effects && host.effects) {
        effects = host.effects.prejoin();
        effectSlot.replaceChildren(...effects.buttons);
        effectNotes.replaceChildren(...effects.notes);
      }
      effects?.update(snapshot);
      effectNotes.hidden = !effects || effects.notes.every((note) => note.hidden);
      meter(stream, view.screen === "prejoin" && view.micOn);
      text(occupancy, view.occupancy ?? "");
      occupancy.hidden = view.occupancy === null;
      hideRow.hidden = !view.canHideAddress;
      hide.checked = view.hideAddress;
      join.disabled = !view.canJoin;
      text(join, view.inCall ? "Joining…" : "Join");
      const status = view.canJoin && !view.hasAudio && !view.hasVideo
        ? "They will not see or hear you."
        : view.notice;
      text(note, status ?? "");
      note.hidden = !status;
    },
    focusTarget: (focus) => focus === "join" ? join : null,
    destroy() {
      meter(null, false);
      video.srcObject = null;
    },
  };
}
