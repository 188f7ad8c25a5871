/**
 * The devices panel (loaded when first opened): the camera, microphone and speaker to use, before
 * joining or during the call. A camera or microphone picked here is captured and swapped into the
 * call without renegotiating (`user.useDevice`); the speaker is the other person's video's audio
 * output (`setSinkId`, where the browser has it). The lists follow devices plugged in or removed.
 *
 * @module
 */
import type { MediaKind } from "../../machines/call_types.ts";
import { rememberSpeaker, speakerSupported } from "./speaker.ts";

/** What the panel needs from the page. */
export interface SettingsTarget {
  /** The stream in use now, to show which devices are selected. */
  stream(): MediaStream | null;
  useDevice(kind: MediaKind, deviceId: string): void;
  /** The element whose audio output the speaker picker sets. */
  remote: HTMLMediaElement;
}

let dialog: HTMLDialogElement | null = null;

function picker(id: string, label: string): [HTMLLabelElement, HTMLSelectElement] {
  const select = document.createElement("select");
  select.id = id;
  const title = document.createElement("label");
  title.htmlFor = id;
  title.textContent = label;
  return [title, select];
}

/** Opens the devices panel (made on first use). */
export function showSettings(target: SettingsTarget): void {
  if (!dialog) dialog = build(target);
  if (!dialog.open) dialog.showModal();
  void refresh(target);
  (dialog.querySelector("select") as HTMLSelectElement | null)?.focus();
}

const pickers: Partial<Record<"videoinput" | "audioinput" | "audiooutput", HTMLSelectElement>> = {};
let flip: HTMLButtonElement | null = null;

function build(target: SettingsTarget): HTMLDialogElement {
  const panel = document.createElement("dialog");
  panel.id = "settings-dialog";
  panel.className = "overlay";
  panel.setAttribute("aria-labelledby", "settings-title");
  const title = Object.assign(document.createElement("h2"), {
    id: "settings-title",
    textContent: "Devices",
  });
  panel.append(title);
  const rows: [keyof typeof pickers, string, string][] = [
    ["videoinput", "camera-select", "Camera"],
    ["audioinput", "microphone-select", "Microphone"],
  ];
  if (speakerSupported(target.remote)) rows.push(["audiooutput", "speaker-select", "Speaker"]);
  for (const [kind, id, label] of rows) {
    const [labelElement, select] = picker(id, label);
    pickers[kind] = select;
    select.addEventListener("change", () => {
      if (kind === "audiooutput") void rememberSpeaker(target.remote, select.value);
      else target.useDevice(kind === "videoinput" ? "video" : "audio", select.value);
    });
    const row = document.createElement("div");
    row.className = "field";
    row.append(labelElement, select);
    panel.append(row);
  }
  // Phones have a front and a back camera: one press goes to the next.
  flip = document.createElement("button");
  flip.type = "button";
  flip.id = "switch-camera";
  flip.textContent = "Switch camera";
  flip.addEventListener("click", () => {
    const select = pickers.videoinput!;
    if (select.options.length < 2) return;
    select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
    target.useDevice("video", select.value);
  });
  const close = document.createElement("button");
  close.type = "button";
  close.className = "primary";
  close.textContent = "Done";
  close.addEventListener("click", () => panel.close());
  const actions = document.createElement("div");
  actions.className = "actions";
  actions.append(flip, close);
  panel.append(actions);
  navigator.mediaDevices?.addEventListener("devicechange", () => void refresh(target));
  document.getElementById("app")!.append(panel);
  return panel;
}

async function refresh(target: SettingsTarget): Promise<void> {
  const devices = await navigator.mediaDevices?.enumerateDevices?.() ?? [];
  const stream = target.stream();
  const inUse = (kind: "audio" | "video") =>
    stream?.getTracks().find((t) => t.kind === kind && t.readyState === "live")?.getSettings()
      .deviceId;
  const selected: Record<string, string | undefined> = {
    videoinput: inUse("video"),
    audioinput: inUse("audio"),
    audiooutput: (target.remote as HTMLMediaElement & { sinkId?: string }).sinkId || "default",
  };
  for (const [kind, select] of Object.entries(pickers)) {
    const ofKind = devices.filter((d) => d.kind === kind && d.deviceId);
    select.replaceChildren(...ofKind.map((device, i) => {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || `${select.labels?.[0]?.textContent} ${i + 1}`;
      option.selected = device.deviceId === selected[kind];
      return option;
    }));
    select.disabled = ofKind.length === 0;
  }
  if (flip) flip.hidden = (pickers.videoinput?.options.length ?? 0) < 2;
}
