/**
 * The `room-status` request: how many people are in a room, asked by the pre-join screen without
 * taking a seat (and before the camera prompt), with what that page needs to prepare its call.
 *
 * Only rooms this deployment minted (`POST /new`, server/room_ids.ts) are answered: a made-up id
 * gets `unknown-room`, so asking cannot find the rooms people made up names for. Questions are
 * limited per connection and per address (server/client_limits.ts).
 *
 * @module
 */
import { parseRoomStatusRequest, type RoomStatusAck } from "../protocol/signaling.ts";
import type { ClientLimits } from "./client_limits.ts";
import type { Config } from "./config.ts";
import { offersRelay } from "./ice_servers.ts";
import type { RoomIds } from "./room_ids.ts";
import type { RoomStore } from "./room_store.ts";
import { failure, rateLimited, replier } from "./signaling_replies.ts";

/** What a room's status says besides its members and seats: the same for every room here. */
export function serverPart(config: Pick<Config, "iceServers" | "turn" | "iceTransportPolicy">) {
  const hasRelay = offersRelay(config);
  return {
    // Hiding one's address changes something only where calls are not all relayed already.
    relay: hasRelay && config.iceTransportPolicy !== "relay",
    // A relay's credentials come only with a seat; STUN servers carry none.
    iceServers: hasRelay ? null : config.iceServers,
  };
}

/** Answers the `room-status` requests of one connection, from `client.address`. */
export function roomStatusHandler(
  client: { connection: string; address: string },
  { store, limits, config, roomIds }: {
    store: RoomStore;
    limits: ClientLimits;
    config: Pick<Config, "iceServers" | "turn" | "iceTransportPolicy" | "maxRoomSize">;
    roomIds: Pick<RoomIds, "isMinted" | "sizeOf">;
  },
) {
  const server = serverPart(config);
  return (payload: unknown, ack: unknown) => {
    const reply = replier<RoomStatusAck>(payload, ack);
    const wait = limits.status(client.connection, client.address);
    if (wait > 0) return reply(rateLimited(wait));
    const parsed = parseRoomStatusRequest(payload);
    if (!parsed.ok) return reply({ ok: false, error: parsed.error });
    const { room, resume } = parsed.value;
    if (!roomIds.isMinted(room)) return reply(failure("unknown-room"));
    const capacity = Math.min(roomIds.sizeOf(room) ?? 2, config.maxRoomSize);
    store.status(room, resume).then(
      ({ members, yours }) =>
        reply({ ok: true, members, capacity, yours, ...server } satisfies RoomStatusAck),
      () => reply(failure("unavailable")),
    );
  };
}
