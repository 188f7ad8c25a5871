/**
 * The speaker the other person is heard from: `setSinkId` on their video, where the browser has
 * it (Chromium; Firefox behind a permission), remembered in the browser.
 *
 * @module
 */

const KEY = "parley.speaker";

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

/** Whether the browser can choose where `element` plays. */
export function speakerSupported(element: HTMLMediaElement): boolean {
  return typeof (element as SinkElement).setSinkId === "function";
}

/** Remembers `deviceId` as the speaker, and plays `element` (if any) on it. */
export async function rememberSpeaker(
  element: HTMLMediaElement | null,
  deviceId: string,
): Promise<void> {
  try {
    localStorage.setItem(KEY, deviceId);
  } catch {
    // Not remembered; still used now.
  }
  if (element) await useSpeaker(element, deviceId);
}

/** The speaker remembered in this browser ("" for the default one). */
export function rememberedSpeaker(): string {
  try {
    return localStorage.getItem(KEY) ?? "";
  } catch {
    return "";
  }
}

/** A short rising chime, played on the remembered speaker: does this speaker work? */
export async function playTestSound(): Promise<void> {
  const context = new AudioContext();
  const out = context.createMediaStreamDestination();
  const player = new Audio();
  player.srcObject = out.stream;
  await useSpeaker(player);
  for (const [i, frequency] of [523, 659, 784].entries()) {
    const tone = context.createOscillator();
    const gain = context.createGain();
    const start = context.currentTime + 0.05 + i * 0.18;
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
    tone.connect(gain).connect(out);
    tone.start(start);
    tone.stop(start + 0.32);
  }
  await player.play().catch(() => {});
  setTimeout(() => {
    player.srcObject = null;
    void context.close();
  }, 1000);
}

/** Plays `element` on `deviceId` (default: the remembered speaker, if any). */
export async function useSpeaker(element: HTMLMediaElement, deviceId?: string): Promise<void> {
  let id = deviceId;
  try {
    id ??= localStorage.getItem(KEY) ?? undefined;
  } catch {
    // Storage is off: the default speaker.
  }
  if (!id || !speakerSupported(element)) return;
  try {
    await (element as SinkElement).setSinkId!(id);
  } catch {
    // That speaker is gone: the default one plays.
  }
}
