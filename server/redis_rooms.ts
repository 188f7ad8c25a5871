/**
 * {@linkcode RoomStore} on Redis: rooms, seats, resume tokens and their grace periods shared by
 * every instance connected to the same Redis, so two people routed to two instances meet, and a
 * member whose instance died takes its seat back from another one.
 *
 * Each change is one Lua script (`server/redis_scripts.ts`), atomic in Redis. Every instance beats
 * once a second and sweeps: held seats whose grace ran out are freed (the member left behind is
 * told), and the seats of an instance that stopped beating are held as away.
 *
 * While Redis is unreachable, joins are refused at once (`unavailable`), calls in progress go on
 * (their media is peer to peer, their signaling between members of one instance too), and what
 * happened meanwhile is put right when Redis is back: seats of connections that closed are held
 * as away, seats of connections still here are written again.
 *
 * @module
 */
import { createClient, type RedisClientType } from "redis";
import { randomToken, type Role } from "../protocol/signaling.ts";
import { log } from "./log.ts";
import { HEARTBEAT, JOIN, RELEASE, RESTORE, SWEEP } from "./redis_scripts.ts";
import type { RoomStore, SeatExpiry, SeatRef, StoreJoin } from "./rooms.ts";

/** A node-redis client, as `createClient` makes it. */
export type RedisClient = RedisClientType;

/** How often an instance beats and sweeps. */
const BEAT_MS = 1000;
/** An instance silent this long is dead: its connections' seats are held as away. */
const DEAD_AFTER_MS = 5000;
/** A Redis call slower than this is taken as Redis being away. */
const COMMAND_TIMEOUT_MS = 2000;
/** Room hashes expire this long after their last join, whatever happens to the instances. */
const ROOM_TTL_MS = 24 * 3600_000;
const PREFIX = "parley:";

/** Makes a node-redis client that fails fast while Redis is away and reconnects by itself. */
export function redisClient(
  url: string,
  name: string,
  options: { queueWhileAway?: boolean } = {},
): RedisClient {
  const client = createClient({
    url,
    // Commands fail at once while disconnected instead of piling up for later.
    disableOfflineQueue: !options.queueWhileAway,
    socket: {
      connectTimeout: COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
    },
  });
  let up = false;
  client.on("ready", () => {
    up = true;
    log("info", "redis.ready", { client: name });
  });
  client.on("error", (error: Error) => {
    // node-redis reports each failed reconnection; one line per outage is enough.
    if (!up) return;
    up = false;
    log("warn", "redis.lost", { client: name, error: error.message });
  });
  return client as unknown as RedisClient;
}

/** Options for {@linkcode RedisRoomStore}. */
export interface RedisRoomStoreOptions {
  /** This instance's id (random per process). */
  instance: string;
  graceMs: number;
  /** A held seat expired; tell the member left behind. */
  onExpire: (expiry: SeatExpiry) => void;
  /** An instance died; tell the members left behind that their peer is away. */
  onPeerAway: (expiry: SeatExpiry) => void;
  /** The seats this instance's connections hold now, to write back after an outage. */
  localSeats: () => Iterable<{ socketId: string; seat: SeatRef }>;
  /** A local connection whose seat could not be written back (taken meanwhile). */
  onSeatLost: (socketId: string) => void;
}

/** The registry of rooms in Redis, see the module's documentation. */
export class RedisRoomStore implements RoomStore {
  readonly kind = "redis";
  #client: RedisClient;
  #options: RedisRoomStoreOptions;
  #shas = new Map<string, string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When Redis last became reachable; dead instances are looked for a while after. */
  #readySince = 0;
  #everReady = false;

  constructor(client: RedisClient, options: RedisRoomStoreOptions) {
    this.#client = client;
    this.#options = options;
    client.on("ready", () => {
      this.#readySince = Date.now();
      this.#shas.clear();
      if (this.#everReady) this.#repair().catch(() => {});
      this.#everReady = true;
      this.#tick();
    });
  }

  /** Starts beating (the client connects, and reconnects, by itself). */
  start(): void {
    this.#readySince = Date.now();
    this.#everReady = this.#client.isReady;
    this.#timer = setInterval(() => this.#tick(), BEAT_MS);
    this.#tick();
  }

  ready(): boolean {
    return this.#client.isReady;
  }

  async join(
    socketId: string,
    request: { room: string; session: string; resume?: string },
  ): Promise<StoreJoin> {
    if (!this.ready()) return { ok: false, reason: "unavailable" };
    const resume = request.resume ?? "";
    let raw: string;
    try {
      raw = await this.#run(JOIN, [
        room(request.room),
        `${PREFIX}away`,
        `${PREFIX}instances`,
        `${PREFIX}expired:${resume}`,
      ], [
        request.room,
        socketId,
        this.#options.instance,
        request.session,
        resume,
        randomToken(18),
        String(this.#options.graceMs),
        String(DEAD_AFTER_MS),
        PREFIX,
        String(ROOM_TTL_MS),
      ]) as string;
    } catch {
      return { ok: false, reason: "unavailable" };
    }
    const reply = JSON.parse(raw);
    if (reply.full) return { ok: false, reason: "room-full" };
    return {
      ok: true,
      seat: {
        roomId: request.room,
        role: reply.role,
        resume: reply.resume,
        session: request.session,
      },
      peer: reply.peer || null,
      outcome: reply.outcome,
      replacedSocketId: reply.replaced || null,
    };
  }

  leave(socketId: string, seat: SeatRef): Promise<{ peerRole: Role | null } | null> {
    return this.#release(socketId, seat, "leave");
  }

  disconnect(socketId: string, seat: SeatRef): Promise<{ peerRole: Role | null } | null> {
    return this.#release(socketId, seat, String(this.#options.graceMs));
  }

  async status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }> {
    const seats = await this.#timed(this.#client.hGetAll(room(roomId)));
    const values = Object.values(seats).map((raw) => JSON.parse(raw) as { r: string });
    return {
      members: values.length,
      yours: resume !== undefined && values.some((seat) => seat.r === resume),
    };
  }

  async roomCount(): Promise<number> {
    // Counted from this instance's own seats: the metric is per instance, and summing is the
    // monitoring system's job; a SCAN over every room each scrape would not scale.
    const seats = await this.#timed(
      this.#client.sMembers(`${PREFIX}inst:${this.#options.instance}`),
    );
    return new Set(seats.map((member) => member.split("\n")[0])).size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#client.isReady) {
      await this.#timed(this.#client.zRem(`${PREFIX}instances`, this.#options.instance)).catch(
        () => {},
      );
    }
    await this.#client.close().catch(() => {});
  }

  async #release(
    socketId: string,
    seat: SeatRef,
    grace: string,
  ): Promise<{ peerRole: Role | null } | null> {
    const reply = await this.#run(RELEASE, [room(seat.roomId), `${PREFIX}away`], [
      seat.roomId,
      seat.role,
      socketId,
      grace,
      PREFIX,
    ]);
    if (reply === null) return null;
    return { peerRole: reply === "" ? null : reply as Role };
  }

  /** One beat: say this instance is alive, then sweep expired seats and dead instances. */
  #tick(): void {
    if (!this.ready()) return;
    const { instance, graceMs } = this.#options;
    const lookForDead = Date.now() - this.#readySince > DEAD_AFTER_MS ? "1" : "0";
    this.#run(HEARTBEAT, [`${PREFIX}instances`], [instance])
      .then(() =>
        this.#run(SWEEP, [`${PREFIX}away`, `${PREFIX}instances`], [
          PREFIX,
          String(graceMs),
          String(DEAD_AFTER_MS),
          lookForDead,
          "500",
        ])
      )
      .then((lines) => {
        for (const line of lines as string[]) {
          const [what, roomId, peerRole] = line.split("\n");
          const expiry = { roomId, peerRole: peerRole as Role };
          if (what === "left") this.#options.onExpire(expiry);
          else this.#options.onPeerAway(expiry);
        }
      })
      .catch(() => {});
  }

  /**
   * After an outage: seats this instance's connections hold are written back (Redis may have
   * restarted empty), and seats bound to this instance whose connections closed meanwhile are
   * held as away, so none is left looking taken for ever.
   */
  async #repair(): Promise<void> {
    const { instance } = this.#options;
    await this.#run(HEARTBEAT, [`${PREFIX}instances`], [instance]);
    const local = new Map<string, { socketId: string; seat: SeatRef }>();
    for (const entry of this.#options.localSeats()) {
      local.set(`${entry.seat.roomId}\n${entry.seat.role}`, entry);
    }
    let restored = 0, lost = 0, released = 0;
    for (const [key, { socketId, seat }] of local) {
      const ok = await this.#run(RESTORE, [room(seat.roomId), `${PREFIX}away`], [
        seat.roomId,
        seat.role,
        socketId,
        instance,
        seat.session,
        seat.resume,
        PREFIX,
        String(ROOM_TTL_MS),
      ]);
      if (ok === 1) restored++;
      else {
        lost++;
        local.delete(key);
        this.#options.onSeatLost(socketId);
      }
    }
    const bound = await this.#timed(this.#client.sMembers(`${PREFIX}inst:${instance}`));
    for (const member of bound) {
      if (local.has(member)) continue;
      const [roomId, role] = member.split("\n");
      const raw = await this.#timed(this.#client.hGet(room(roomId), role));
      const held = raw ? JSON.parse(raw) as { k: string; i: string } : null;
      if (held && held.i === instance && held.k !== "") {
        const seat = { roomId, role: role as Role, resume: "", session: "" };
        await this.#release(held.k, seat, String(this.#options.graceMs));
        released++;
      } else {
        await this.#timed(this.#client.sRem(`${PREFIX}inst:${instance}`, member));
      }
    }
    log("info", "redis.repaired", { restored, lost, released });
  }

  /** Runs a script by its hash, loading it first (again after a Redis restart). */
  async #run(script: string, keys: string[], args: string[]): Promise<unknown> {
    let sha = this.#shas.get(script);
    if (!sha) {
      sha = await this.#timed(this.#client.scriptLoad(script));
      this.#shas.set(script, sha);
    }
    const command = ["EVALSHA", sha, String(keys.length), ...keys, ...args];
    try {
      return await this.#timed(this.#client.sendCommand(command));
    } catch (error) {
      if (!String((error as Error).message).startsWith("NOSCRIPT")) throw error;
      this.#shas.delete(script);
      return this.#run(script, keys, args);
    }
  }

  /** `promise`, or a rejection when Redis takes longer than {@linkcode COMMAND_TIMEOUT_MS}. */
  #timed<T>(promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("Redis did not answer in time")),
        COMMAND_TIMEOUT_MS,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

function room(roomId: string): string {
  return `${PREFIX}room:${roomId}`;
}
