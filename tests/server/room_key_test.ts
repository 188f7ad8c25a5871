/**
 * The room key `deno task start` keeps in `.parley/room-key`: made once, readable by its owner
 * only, the same on every later start; a file that holds no key is replaced.
 */
import assert from "node:assert/strict";
import { keptRoomKey, ROOM_KEY_FILE } from "../../server/room_key.ts";

Deno.test("the room key is made once, for its owner only, and kept", async () => {
  const dir = `${await Deno.makeTempDir({ prefix: "parley-key-" })}/`;
  try {
    const first = await keptRoomKey(dir);
    assert.match(first ?? "", /^[0-9a-f]{64}$/);
    assert.equal((await Deno.stat(`${dir}${ROOM_KEY_FILE}`)).mode! & 0o777, 0o600);
    assert.equal(await keptRoomKey(dir), first);

    await Deno.writeTextFile(`${dir}${ROOM_KEY_FILE}`, "not a key\n");
    const replaced = await keptRoomKey(dir);
    assert.match(replaced ?? "", /^[0-9a-f]{64}$/);
    assert.notEqual(replaced, first);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder where the key can be neither read nor made gives none", async () => {
  const file = await Deno.makeTempFile({ prefix: "parley-key-" });
  try {
    // A file where the folder should be: nothing can be made under it.
    assert.equal(await keptRoomKey(`${file}/`), null);
  } finally {
    await Deno.remove(file);
  }
});
