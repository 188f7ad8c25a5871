/**
 * The room key `deno task start` keeps between runs, so that the links it minted (a group call's
 * carries its size under the key's tag) still open after a restart when no `ROOM_SECRET` or
 * `TURN_SECRET` is set. It lives in `.parley/room-key` in the project folder, readable by its
 * owner only, made the first time (256 random bits); the launcher hands it to the server as
 * `ROOM_SECRET`. A deployment sets its own secret and never needs the file.
 *
 * @module
 */

/** Where the key is kept, from the project folder. */
export const ROOM_KEY_DIR = ".parley";
export const ROOM_KEY_FILE = `${ROOM_KEY_DIR}/room-key`;

/** A key as the file holds it: 64 hexadecimal digits. */
const KEY = /^[0-9a-f]{64}$/;

/**
 * The key kept in `dir` (a path ending in `/`), made when it is missing or not a key; null when
 * it can be neither read nor made (the server then makes one of its own for this run).
 */
export async function keptRoomKey(dir: string): Promise<string | null> {
  const path = `${dir}${ROOM_KEY_FILE}`;
  try {
    const kept = (await Deno.readTextFile(path)).trim();
    if (KEY.test(kept)) return kept;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return null;
  }
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  try {
    await Deno.mkdir(`${dir}${ROOM_KEY_DIR}`, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(path, `${key}\n`, { mode: 0o600 });
    return key;
  } catch {
    return null;
  }
}
