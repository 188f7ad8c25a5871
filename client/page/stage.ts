/**
 * The stage during a call (loaded when the call screen first shows, so the pre-join page stays
 * small): what the other person says about themselves over the data channel (presence) shown as
 * a name tag, a muted badge and a "camera off" placeholder; news in the middle of the stage; the
 * tab title and a chime when they arrive or leave; the call timer; a ring while they speak; their
 * picture fitted or filling, in picture-in-picture or full screen; the self-view moved or hidden.
 *
 * It imports nothing the page's first bundle has (what it needs comes as arguments), so it stays
 * one chunk of its own.
 *
 * @module
 */
import type { CallView } from "./call_view.ts";
import type { MessageChannel } from "../effects/peer_messages.ts";
import { type Presence, presenceLink } from "../presence/presence.ts";
import { useSpeaker } from "../devices/speaker.ts";
import { clock, stageView } from "./stage_view.ts";

/** What the stage is given from the first bundle. */
export interface StageTools {
  readLevel(stream: MediaStream): { level(): number; stop(): void } | null;
  chime(rising: boolean): void;
}

/** What the stage shows for one render. */
export interface StageInput {
  view: CallView;
  remoteStream: MediaStream | null;
  /** The current peer connection's control channel, while in the call. */
  channel: MessageChannel | null;
  /** What this side says about itself. */
  mine: Presence;
}

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** The corners the self-view goes round; the last place is hidden (only its button shows). */
const SELF_PLACES = 5;

/** Binds the stage; `rerender` is called when the other person's presence changes. */
export function mountCallStage(tools: StageTools, rerender: () => void) {
  const remoteTile = byId("remote-tile");
  const remote = byId<HTMLVideoElement>("remote-video");
  const fit = byId<HTMLButtonElement>("fit-video");
  const pip = byId<HTMLButtonElement>("pip");
  const fullscreen = byId<HTMLButtonElement>("fullscreen");
  const selfTile = byId("self-tile");
  const move = byId<HTMLButtonElement>("move-self");
  const timer = byId<HTMLTimeElement>("call-timer");
  const message = byId("stage-message");
  const presence = presenceLink(rerender);
  void useSpeaker(remote);

  // A phone crops their picture to fill the screen: a tap shows all of it.
  const toggleFit = () => {
    const all = remoteTile.dataset.fit !== "all";
    remoteTile.dataset.fit = all ? "all" : "";
    fit.setAttribute("aria-pressed", String(all));
  };
  fit.addEventListener("click", toggleFit);
  remote.addEventListener("click", toggleFit);
  pip.hidden = !document.pictureInPictureEnabled;
  pip.addEventListener("click", () => {
    if (document.pictureInPictureElement) void document.exitPictureInPicture();
    else void remote.requestPictureInPicture().catch(() => {});
  });
  fullscreen.hidden = !document.fullscreenEnabled;
  fullscreen.addEventListener("click", () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void remoteTile.requestFullscreen().catch(() => {});
  });
  move.addEventListener("click", () => {
    const place = (Number(selfTile.dataset.corner) + 1) % SELF_PLACES;
    selfTile.dataset.corner = String(place);
    move.textContent = place === SELF_PLACES - 1 ? "Show me" : "Move";
  });

  let since: number | null = null;
  let ticking: ReturnType<typeof setInterval> | undefined;
  const tick = () => (timer.textContent = clock(Date.now() - since!));
  let listening: { stream: MediaStream; stop(): void } | null = null;
  let peerWas: CallView["peer"] = "none";

  /** The ring around their picture while they speak; it holds half a second after a word. */
  const listen = (stream: MediaStream | null) => {
    if (listening?.stream === stream) return;
    listening?.stop();
    listening = null;
    remoteTile.dataset.speaking = "false";
    const reader = stream && tools.readLevel(stream);
    if (!stream || !reader) return;
    let loudUntil = 0;
    const every = setInterval(() => {
      if (reader.level() > 0.1) loudUntil = Date.now() + 500;
      remoteTile.dataset.speaking = String(Date.now() < loudUntil);
    }, 100);
    listening = { stream, stop: () => (clearInterval(every), reader.stop()) };
  };

  return (input: StageInput) => {
    const { view } = input;
    presence.update(input.channel, input.mine);
    const words = stageView(view, presence.theirs());
    byId("remote-name").textContent = words.name;
    byId("remote-muted").hidden = !words.muted;
    byId("remote-initial").textContent = words.initial;
    byId("remote-camera-off").textContent = words.cameraOffText;
    byId("remote-placeholder").hidden = !words.cameraOff;
    message.textContent = words.message ?? "";
    message.hidden = words.message === null;
    document.title = words.title;

    // Call time runs from the first connection; it goes on across a reconnection.
    if (view.connected && since === null) {
      since = Date.now();
      tick();
      ticking = setInterval(tick, 1000);
    } else if (!view.inCall && since !== null) {
      since = null;
      clearInterval(ticking);
    }
    timer.hidden = since === null;
    listen(view.peer === "here" && !words.muted ? input.remoteStream : null);

    if (view.peer !== peerWas) {
      if (view.peer === "here") tools.chime(true);
      else if (peerWas === "here") tools.chime(false);
      peerWas = view.peer;
    }
  };
}
