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

/** Plays `element` on `deviceId` and remembers the choice. */
export async function rememberSpeaker(element: HTMLMediaElement, deviceId: string): Promise<void> {
  try {
    localStorage.setItem(KEY, deviceId);
  } catch {
    // Not remembered; still used now.
  }
  await useSpeaker(element, deviceId);
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
