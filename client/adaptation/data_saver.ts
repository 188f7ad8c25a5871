/**
 * The "Data saver" choice, remembered in this browser: a small picture at a small bitrate
 * (`machines/send_levels.ts`, `SAVER_LEVEL`), for metered connections.
 *
 * @module
 */

const KEY = "parley.dataSaver";

/** Whether the person chose data saver (in this browser). */
export function dataSaverOn(): boolean {
  try {
    return localStorage.getItem(KEY) === "1";
  } catch {
    return false;
  }
}

/** Remembers the choice (for this call when storage is off). */
export function rememberDataSaver(on: boolean): void {
  try {
    if (on) localStorage.setItem(KEY, "1");
    else localStorage.removeItem(KEY);
  } catch {
    // Storage is off (private mode, policies): the choice holds for this page only.
  }
}
