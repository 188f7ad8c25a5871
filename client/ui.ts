/**
 * Puts a {@linkcode CallView} on the page and turns clicks into machine events. It reads nothing
 * but the snapshot and changes nothing but the DOM.
 *
 * @module
 */
import type { Actor } from "xstate";
import type { callMachine, StreamLike } from "../machines/call_machine.ts";
import { callSnapshots, callView, type ViewAction } from "./call_view.ts";
import { watchTree } from "./watch.ts";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** Binds the room page to a running call actor. */
export function mountCallPage(actor: Actor<typeof callMachine>): void {
  const app = element("app");
  const status = element("status");
  const notice = element("notice");
  const alertBox = element("alert");
  const alertText = element("alert-text");
  const alertActions = element("alert-actions");
  const localVideo = element<HTMLVideoElement>("local-video");
  const remoteVideo = element<HTMLVideoElement>("remote-video");
  const join = element<HTMLButtonElement>("join");
  const hideAddress = element<HTMLInputElement>("hide-address");
  const invite = element<HTMLInputElement>("invite-link");
  const copy = element<HTMLButtonElement>("copy-link");
  const mic = element<HTMLButtonElement>("toggle-mic");
  const camera = element<HTMLButtonElement>("toggle-camera");
  const hangUp = element<HTMLButtonElement>("hang-up");

  invite.value = location.origin + location.pathname;
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(invite.value);
      copy.textContent = "Copied";
    } catch {
      invite.select();
      copy.textContent = "Press Ctrl+C to copy";
    }
    setTimeout(() => (copy.textContent = "Copy link"), 2000);
  });
  join.addEventListener("click", () => actor.send({ type: "user.join" }));
  hideAddress.addEventListener("change", () => actor.send({ type: "user.toggleHideAddress" }));
  mic.addEventListener("click", () => actor.send({ type: "user.toggleMic" }));
  camera.addEventListener("click", () => actor.send({ type: "user.toggleCamera" }));
  hangUp.addEventListener("click", () => actor.send({ type: "user.hangUp" }));

  const perform = (action: ViewAction) => {
    if (action.event === "newCall") location.assign("/");
    else if (action.event === "checkConnection") globalThis.open("/check", "_blank", "noopener");
    else actor.send({ type: action.event });
  };

  const show = (video: HTMLVideoElement, stream: StreamLike | null) => {
    if (video.srcObject !== stream) video.srcObject = stream as MediaStream | null;
  };

  let shownAlert = "";
  watchTree(actor, () => {
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
    status.textContent = view.status;
    notice.textContent = view.notice ?? "";
    notice.hidden = view.notice === null;
    join.disabled = !view.canJoin;
    hideAddress.closest("label")!.hidden = !view.canHideAddress;
    hideAddress.checked = view.hideAddress;
    show(localVideo, snapshot.context.stream);
    show(remoteVideo, negotiation?.context.remoteStream ?? null);
    localVideo.hidden = !view.hasVideo;
    // Without a track, the switch offers to start one (when the view says it can).
    setSwitch(
      mic,
      view.micOn && view.hasAudio,
      view.hasAudio || view.canAddAudio,
      "Mute",
      "Unmute",
    );
    setSwitch(
      camera,
      view.cameraOn && view.hasVideo,
      view.hasVideo || view.canAddVideo,
      "Camera off",
      "Camera on",
    );
    hangUp.disabled = !view.inCall;

    const alertKey = view.alert ? view.alert.text + view.alert.actions.map((a) => a.label) : "";
    if (alertKey !== shownAlert) {
      shownAlert = alertKey;
      alertBox.hidden = view.alert === null;
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
  });
}

function setSwitch(
  button: HTMLButtonElement,
  on: boolean,
  available: boolean,
  turnOff: string,
  turnOn: string,
): void {
  button.disabled = !available;
  button.textContent = on ? turnOff : turnOn;
  button.setAttribute("aria-pressed", String(!on));
}
