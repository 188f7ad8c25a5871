/**
 * The stage's own buttons and meters: tap their picture to see all of it (a phone crops it to
 * fill the screen), picture-in-picture and full screen for their video, the self-view moved from
 * corner to corner or hidden, the call timer, the pre-join microphone meter and the ring around
 * the other person when they speak.
 *
 * @module
 */
import { type LevelReader, readLevel } from "./audio_level.ts";
import { clock } from "./stage_view.ts";

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** The corners the self-view goes round, and 4: hidden (only its button shows). */
const SELF_PLACES = 5;

/** Binds the stage's buttons; returns what keeps the timer and meters in step with the call. */
export function mountStageControls() {
  const remoteTile = byId("remote-tile");
  const remote = byId<HTMLVideoElement>("remote-video");
  const fit = byId<HTMLButtonElement>("fit-video");
  const pip = byId<HTMLButtonElement>("pip");
  const fullscreen = byId<HTMLButtonElement>("fullscreen");
  const selfTile = byId("self-tile");
  const move = byId<HTMLButtonElement>("move-self");
  const timer = byId<HTMLTimeElement>("call-timer");
  const meter = byId<HTMLMeterElement>("mic-level");

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

  let meterOf: { stream: MediaStream; reader: LevelReader | null; timer: ReturnType<typeof setInterval> } | null = null;
  const stopMeter = () => {
    if (!meterOf) return;
    clearInterval(meterOf.timer);
    meterOf.reader?.stop();
    meterOf = null;
    meter.value = 0;
  };

  let speaking: { stream: MediaStream; reader: LevelReader | null; timer: ReturnType<typeof setInterval> } | null = null;
  const stopSpeaking = () => {
    if (!speaking) return;
    clearInterval(speaking.timer);
    speaking.reader?.stop();
    speaking = null;
    remoteTile.dataset.speaking = "false";
  };

  return {
    /** Call time runs while `connected`; it goes on across a reconnection, stops at the end. */
    timer(inCall: boolean, connected: boolean) {
      if (connected && since === null) {
        since = Date.now();
        tick();
        ticking = setInterval(tick, 1000);
      } else if (!inCall && since !== null) {
        since = null;
        clearInterval(ticking);
      }
      timer.hidden = since === null;
    },
    /** The microphone meter moves with `stream` while `on` (the pre-join screen). */
    meter(stream: MediaStream | null, on: boolean) {
      const wanted = on && stream && stream.getAudioTracks().length > 0 ? stream : null;
      if (meterOf?.stream === wanted) return;
      stopMeter();
      if (!wanted) return;
      const reader = readLevel(wanted);
      meterOf = {
        stream: wanted,
        reader,
        timer: setInterval(() => (meter.value = reader?.level() ?? 0), 100),
      };
    },
    /** The ring around their picture while they speak (`stream`: theirs, while in the call). */
    speaking(stream: MediaStream | null, mutedByThem: boolean) {
      const wanted = stream && !mutedByThem && stream.getAudioTracks().length > 0 ? stream : null;
      if (speaking?.stream === wanted) return;
      stopSpeaking();
      if (!wanted) return;
      const reader = readLevel(wanted);
      let loudUntil = 0;
      speaking = {
        stream: wanted,
        reader,
        timer: setInterval(() => {
          // A word then a pause still counts as speaking: the ring holds for half a second.
          if ((reader?.level() ?? 0) > 0.1) loudUntil = Date.now() + 500;
          remoteTile.dataset.speaking = String(Date.now() < loudUntil);
        }, 100),
      };
    },
  };
}
