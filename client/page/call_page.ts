/**
 * Puts a {@linkcode CallView} on the page and turns clicks and keys into machine events. It reads
 * the snapshot (and what the other person says about themselves over the data channel) and
 * changes nothing but the DOM. The stage's details are in client/stage_view.ts and
 * client/stage_controls.ts; the devices panel and the shortcuts overlay load when first opened.
 *
 * @module
 */
import type { Actor } from "xstate";
import type { callMachine, MediaKind, StreamLike } from "../../machines/call_machine.ts";
import { chime, readLevel } from "../devices/audio_level.ts";
import type { StageInput } from "./stage.ts";
import { callSnapshots, callView, type ViewAction } from "./call_view.ts";
import { micMeter } from "../devices/mic_meter.ts";
import type { MessageChannel } from "../effects/peer_messages.ts";
import { dataSaverOn, rememberDataSaver } from "../adaptation/data_saver.ts";
import { listenForShortcuts, SHORTCUTS } from "./shortcuts.ts";
import { watchTree } from "./watch.ts";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

const NAME_KEY = "parley.name";
/** The longest display name (client/presence.ts cuts what arrives to the same). */
const MAX_NAME_LENGTH = 40;

function storedName(): string {
  try {
    return localStorage.getItem(NAME_KEY) ?? "";
  } catch {
    return "";
  }
}

let callStyles: Promise<void> | null = null;

/**
 * The call's styles (static/call.css: the stage, the waiting card, the dialogs), loaded with the
 * call or the first dialog rather than with the page.
 */
function loadCallStyles(): Promise<void> {
  callStyles ??= new Promise((resolve) => {
    const link = Object.assign(document.createElement("link"), {
      rel: "stylesheet",
      href: "/call.css",
    });
    link.addEventListener("load", () => resolve());
    link.addEventListener("error", () => resolve());
    document.head.append(link);
  });
  return callStyles;
}

/** Binds the room page to a running call actor. */
export function mountCallPage(actor: Actor<typeof callMachine>): void {
  const $ = element;
  const app = $("app");
  const heading = $("screen-title");
  const status = $("status");
  const notice = $("notice");
  const alertBox = $("alert");
  const alertText = $("alert-text");
  const alertActions = $("alert-actions");
  const localVideo = $<HTMLVideoElement>("local-video");
  const localPlaceholder = $("local-placeholder");
  const remoteVideo = $<HTMLVideoElement>("remote-video");
  const join = $<HTMLButtonElement>("join");
  const hideAddress = $<HTMLInputElement>("hide-address");
  const invite = $<HTMLInputElement>("invite-link");
  const copy = $<HTMLButtonElement>("copy-link");
  const share = $<HTMLButtonElement>("share-link");
  const inviteButton = $<HTMLButtonElement>("invite-button");
  const mic = $<HTMLButtonElement>("toggle-mic");
  const camera = $<HTMLButtonElement>("toggle-camera");
  const hangUp = $<HTMLButtonElement>("hang-up");
  const waitingCard = $("waiting-card");
  const occupancy = $("occupancy");
  const nameInput = $<HTMLInputElement>("display-name");
  const send = actor.send.bind(actor);

  invite.value = location.origin + location.pathname;
  const copyLink = async (button: HTMLButtonElement) => {
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(invite.value);
      button.textContent = "Copied";
    } catch {
      invite.select();
      button.textContent = "Press Ctrl+C to copy";
    }
    setTimeout(() => (button.textContent = label), 2000);
  };
  copy.addEventListener("click", () => copyLink(copy));
  inviteButton.addEventListener("click", () => copyLink(inviteButton));
  share.hidden = typeof navigator.share !== "function";
  share.addEventListener("click", () => {
    navigator.share({ title: "Join my Parley call", url: invite.value }).catch(() => {});
  });

  join.addEventListener("click", () => {
    void loadStage();
    send({ type: "user.join" });
  });
  hideAddress.addEventListener("change", () => send({ type: "user.toggleHideAddress" }));
  // Read again by the call's tools when the call starts (`adaptation_link.ts`).
  const dataSaver = $<HTMLInputElement>("data-saver");
  dataSaver.checked = dataSaverOn();
  dataSaver.addEventListener("change", () => rememberDataSaver(dataSaver.checked));
  mic.addEventListener("click", () => send({ type: "user.toggleMic" }));
  camera.addEventListener("click", () => send({ type: "user.toggleCamera" }));
  hangUp.addEventListener("click", () => send({ type: "user.hangUp" }));

  nameInput.maxLength = MAX_NAME_LENGTH;
  nameInput.value = storedName();
  nameInput.addEventListener("input", () => {
    try {
      localStorage.setItem(NAME_KEY, nameInput.value.trim());
    } catch {
      // Not remembered: still sent in this call.
    }
    render();
  });

  const openSettings = async () => {
    const [{ showSettings }] = await Promise.all([
      import("../devices/devices_panel.ts"),
      loadCallStyles(),
    ]);
    showSettings({
      stream: () => actor.getSnapshot().context.stream as MediaStream | null,
      useDevice: (kind: MediaKind, deviceId: string) =>
        send({ type: "user.useDevice", kind, deviceId }),
      remote: remoteVideo,
    });
  };
  $("open-settings").addEventListener("click", openSettings);
  const help = async () => {
    const [{ showHelp }] = await Promise.all([import("./help_overlay.ts"), loadCallStyles()]);
    showHelp(SHORTCUTS);
  };
  $("help-button").addEventListener("click", help);
  listenForShortcuts({ send, help });

  // Leaving the page mid-call (the brand link, closing the tab) asks first.
  addEventListener("beforeunload", (event) => {
    if (callView(actor.getSnapshot()).inCall) event.preventDefault();
  });

  const perform = (action: ViewAction) => {
    if (action.event === "newCall") location.assign("/");
    else if (action.event === "checkConnection") globalThis.open("/check", "_blank", "noopener");
    else send({ type: action.event });
  };

  const show = (video: HTMLVideoElement, stream: StreamLike | null) => {
    if (video.srcObject !== stream) video.srcObject = stream as MediaStream | null;
  };

  const meter = micMeter($<HTMLMeterElement>("mic-level"));
  // The call's stage loads when the call screen first shows (the pre-join page stays small).
  let stage: ((input: StageInput) => void) | null = null;
  let stageLoading = false;
  const loadStage = async () => {
    if (stageLoading) return;
    stageLoading = true;
    const [{ mountCallStage }] = await Promise.all([import("./stage.ts"), loadCallStyles()]);
    stage = mountCallStage({ readLevel, chime }, soon);
    render();
  };
  let shownAlert = "";
  let focused = "";

  const render = () => {
    const snapshot = actor.getSnapshot();
    const { session, negotiation, link } = callSnapshots(snapshot);
    const view = callView(snapshot);
    app.dataset.screen = view.screen;
    app.dataset.state = JSON.stringify({
      call: snapshot.value,
      session: session?.value ?? null,
      negotiation: negotiation?.value ?? null,
      link: link?.value ?? null,
    });
    app.dataset.connected = String(view.connected);
    app.dataset.waiting = String(view.waiting);
    heading.textContent = view.heading;
    status.textContent = view.status;
    notice.textContent = view.notice ?? "";
    notice.hidden = view.notice === null;
    join.disabled = !view.canJoin;
    hideAddress.closest("label")!.hidden = !view.canHideAddress;
    hideAddress.checked = view.hideAddress;
    occupancy.textContent = view.occupancy ?? "";
    occupancy.hidden = view.occupancy === null;
    waitingCard.hidden = !view.waiting;

    const stream = snapshot.context.stream as MediaStream | null;
    const remoteStream = (negotiation?.context.remoteStream ?? null) as MediaStream | null;
    show(localVideo, stream);
    show(remoteVideo, remoteStream);
    localVideo.hidden = !view.hasVideo;
    localPlaceholder.hidden = view.hasVideo && view.cameraOn;
    // Without a track, the switch offers to start one (when the view says it can).
    setSwitch(mic, view.micOn && view.hasAudio, view.hasAudio || view.canAddAudio);
    setSwitch(camera, view.cameraOn && view.hasVideo, view.hasVideo || view.canAddVideo);
    hangUp.disabled = !view.inCall;

    meter(stream, view.screen === "prejoin" && view.micOn);
    if (view.screen === "call") void loadStage();
    const channel = (negotiation?.context.channels?.control ?? null) as MessageChannel | null;
    stage?.({
      view,
      remoteStream,
      channel: view.inCall ? channel : null,
      mine: {
        mic: view.micOn && view.hasAudio,
        camera: view.cameraOn && view.hasVideo,
        name: nameInput.value.trim().slice(0, MAX_NAME_LENGTH),
      },
    });

    const alertKey = view.alert ? view.alert.text + view.alert.actions.map((a) => a.label) : "";
    if (alertKey !== shownAlert) {
      shownAlert = alertKey;
      alertBox.hidden = view.alert === null;
      alertBox.dataset.neutral = String(view.alert?.neutral ?? false);
      // A neutral end of call is news, not an alarm.
      alertBox.setAttribute("role", view.alert?.neutral ? "status" : "alert");
      alertText.textContent = view.alert?.text ?? "";
      alertActions.replaceChildren(
        ...(view.alert?.actions ?? []).map((action) => {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = action.label;
          button.addEventListener("click", () => perform(action));
          return button;
        }),
      );
    }

    // Each new screen puts the keyboard on its main control.
    const focusKey = `${view.screen}:${view.focus}:${alertKey}`;
    if (view.focus && focusKey !== focused) {
      const target = {
        join,
        copy,
        mic,
        alert: alertActions.querySelector("button"),
      }[view.focus];
      if (target && !target.disabled) {
        focused = focusKey;
        // Not while they type their name, or use a dialog.
        const busy = document.activeElement?.closest("input, select, dialog");
        if (!busy || view.focus === "alert") target.focus();
      }
    }
  };
  /**
   * One render per burst of changes, in a task of its own after the one that made them: a
   * description or candidate just received goes to the browser's WebRTC thread first, and the
   * page is drawn while that works (a MessageChannel task, which hidden tabs do not throttle as
   * they do timers).
   */
  const tick = new MessageChannel();
  let pending = false;
  tick.port1.onmessage = () => {
    pending = false;
    render();
  };
  const soon = () => {
    if (pending) return;
    pending = true;
    tick.port2.postMessage(null);
  };
  watchTree(actor, soon);
}

/** A switch with one label: pressed while on, its icon struck through while off. */
function setSwitch(button: HTMLButtonElement, on: boolean, available: boolean): void {
  button.disabled = !available;
  button.setAttribute("aria-pressed", String(on));
}
