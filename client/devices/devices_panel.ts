/**
 * The devices dialog (it comes with the call's chunk): the camera, microphone and speaker to use,
 * before joining or during the call, and a test sound for the speaker. A camera or microphone
 * picked here is captured and swapped into the call without renegotiating (`user.useDevice`);
 * the speaker is the other person's picture's audio output (`setSinkId`, where the browser has
 * it), remembered for the call to come. The lists follow devices plugged in or removed.
 *
 * @module
 */
import type { MediaKind } from "../../machines/media_types.ts";
import { h } from "../ui/dom.ts";
import { playTestSound, rememberedSpeaker, rememberSpeaker, speakerSupported } from "./speaker.ts";

/** What the dialog needs from the page. */
export interface SettingsTarget {
  /** The stream in use now, to show which devices are selected. */
  stream(): MediaStream | null;
  useDevice(kind: MediaKind, deviceId: string): void;
  /** The element whose audio output the speaker picker sets (none before the call). */
  remote: HTMLMediaElement | null;
}

type Kind = "videoinput" | "audioinput" | "audiooutput";

let dialog: HTMLDialogElement | null = null;
let target: SettingsTarget | null = null;
const pickers: Partial<Record<Kind, HTMLSelectElement>> = {};
let flip: HTMLButtonElement | null = null;

/** Opens the devices dialog (made on first use). */
export function showSettings(next: SettingsTarget): void {
  target = next;
  dialog ??= build();
  if (!dialog.open) dialog.showModal();
  void refresh();
  dialog.querySelector("select")?.focus();
}

function build(): HTMLDialogElement {
  const rows: [Kind, string, string][] = [
    ["videoinput", "camera-select", "Camera"],
    ["audioinput", "microphone-select", "Microphone"],
  ];
  if (speakerSupported(HTMLMediaElement.prototype)) {
    rows.push(["audiooutput", "speaker-select", "Speaker"]);
  }
  const fields = rows.map(([kind, id, label]) => {
    const select = h("select", {
      id,
      onchange: () => {
        if (kind === "audiooutput") {
          void rememberSpeaker(target?.remote ?? null, select.value);
          // Everyone else in a group call too (a tile each; new tiles take the remembered one).
          for (const other of document.querySelectorAll<HTMLMediaElement>(".tile.remote video")) {
            if (other !== target?.remote) void rememberSpeaker(other, select.value);
          }
        } else target?.useDevice(kind === "videoinput" ? "video" : "audio", select.value);
      },
    });
    pickers[kind] = select;
    const test = kind === "audiooutput"
      ? h(
        "button",
        { type: "button", className: "secondary", onclick: playTestSound },
        "Play test sound",
      )
      : null;
    return h(
      "div",
      { className: "field" },
      h("label", { htmlFor: id }, label),
      h("div", { className: "field-row" }, select, test),
    );
  });
  // Phones have a front and a back camera: one press goes to the next.
  flip = h("button", {
    type: "button",
    className: "secondary",
    onclick: () => {
      const select = pickers.videoinput!;
      if (select.options.length < 2) return;
      select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
      target?.useDevice("video", select.value);
    },
  }, "Switch camera");
  const panel = h(
    "dialog",
    { id: "settings-dialog", className: "dialog", "aria-labelledby": "settings-title" },
    h("h2", { id: "settings-title" }, "Devices"),
    fields,
    h(
      "div",
      { className: "actions" },
      flip,
      h("button", {
        type: "button",
        className: "primary",
        onclick: () => panel.close(),
      }, "Done"),
    ),
  );
  navigator.mediaDevices?.addEventListener("devicechange", () => void refresh());
  document.body.append(panel);
  return panel;
}

async function refresh(): Promise<void> {
  const devices = await navigator.mediaDevices?.enumerateDevices?.() ?? [];
  const stream = target?.stream() ?? null;
  const inUse = (kind: "audio" | "video") =>
    stream?.getTracks().find((t) => t.kind === kind && t.readyState === "live")?.getSettings()
      .deviceId;
  const remote = target?.remote as (HTMLMediaElement & { sinkId?: string }) | null;
  const selected: Record<string, string | undefined> = {
    videoinput: inUse("video"),
    audioinput: inUse("audio"),
    audiooutput: remote?.sinkId || rememberedSpeaker() || "default",
  };
  for (const [kind, select] of Object.entries(pickers)) {
    const ofKind = devices.filter((d) => d.kind === kind && d.deviceId);
    const label = select.labels?.[0]?.textContent;
    select.replaceChildren(...ofKind.map((device, i) =>
      h("option", {
        value: device.deviceId,
        selected: device.deviceId === selected[kind],
      }, device.label || `${label} ${i + 1}`)
    ));
    select.disabled = ofKind.length === 0;
  }
  if (flip) flip.hidden = (pickers.videoinput?.options.length ?? 0) < 2;
}
