/**
 * The repair after a Redis outage, for `RedisRoomStore` (`server/redis_rooms.ts`): seats this instance's
 * connections hold are written back (Redis may have restarted empty), and seats bound to this
 * instance whose connections closed meanwhile are held as away, so none is left looking taken
 * for ever.
 *
 * @module
 */
import { log } from "./log.ts";
import { type RedisClient, timed } from "./redis_client.ts";
import { HEARTBEAT, RESTORE } from "./redis_scripts.ts";
import type { Released, SeatRef, StoreHooks } from "./room_store.ts";

/** What the repair needs of the store: its client, hooks, scripts and keys. */
export interface RepairAccess {
  client: RedisClient;
  hooks: Pick<StoreHooks, "localSeats" | "onSeatLost">;
  /** This instance's id. */
  instance: string;
  /** Runs a script with the store's settings. */
  run(script: string, keys: string[], args: string[]): Promise<unknown>;
  /** The key of `name` under the store's prefix. */
  key(name: string): string;
  /** The key of a room's hash. */
  room(roomId: string): string;
  /** Holds `seat` as away (its connection `socketId` is gone). */
  release(socketId: string, seat: SeatRef): Promise<Released | null>;
}

/** Puts the seats right after Redis is back; see the module's documentation. */
export async function repairSeats(store: RepairAccess): Promise<void> {
  const { instance, run, key, room } = store;
  await run(HEARTBEAT, [key("instances")], [instance]);
  const local = new Map<string, { socketId: string; seat: SeatRef }>();
  for (const entry of store.hooks.localSeats()) {
    local.set(`${entry.seat.roomId}\n${entry.seat.index}`, entry);
  }
  let restored = 0, lost = 0, released = 0;
  for (const [member, { socketId, seat }] of local) {
    const ok = await run(
      RESTORE,
      [room(seat.roomId), key("away"), key("rooms")],
      [
        seat.roomId,
        String(seat.index),
        socketId,
        instance,
        seat.session,
        seat.resume,
        String(seat.capacity),
      ],
    );
    if (ok === 1) restored++;
    else {
      lost++;
      local.delete(member);
      store.hooks.onSeatLost(socketId);
    }
  }
  const bound = await timed(store.client.sMembers(key(`inst:${instance}`)));
  for (const member of bound) {
    if (local.has(member)) continue;
    const [roomId, index] = member.split("\n");
    const raw = await timed(store.client.hGet(room(roomId), index));
    const held = raw ? JSON.parse(raw) as { k: string; i: string; r: string } : null;
    if (held && held.i === instance && held.k !== "") {
      const seat = { roomId, index: Number(index), capacity: 0, resume: held.r, session: "" };
      await store.release(held.k, seat);
      released++;
    } else {
      await timed(store.client.sRem(key(`inst:${instance}`), member));
    }
  }
  log("info", "redis.repaired", { restored, lost, released });
}
