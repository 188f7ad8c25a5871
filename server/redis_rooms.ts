/**
 * {@linkcode RoomStore} on Redis: rooms, seats, resume tokens and their grace periods shared by
 * every instance connected to the same Redis, so two people routed to two instances meet, and a
 * member whose instance died takes its seat back from another one. The rules are those of
 * `server/room_store.ts`, kept by the Lua scripts of `server/redis_scripts.ts`; the repair after
 * an outage is `server/redis_repair.ts`.
 *
 * Every instance beats once a second and sweeps: held seats whose grace ran out are freed (the
 * members left behind are told), and the seats of an instance that stopped beating are held as
 * away. A beat is a write, so it also tells whether Redis takes writes now: while it is away,
 * full (out of memory), paused or too slow, or set to evict keys, joins are refused at once
 * (`unavailable`) and {@linkcode RedisRoomStore.problem} says why (`/readyz` answers 503).
 *
 * Calls in progress go on meanwhile (their media is peer to peer, their signaling between members
 * of one instance too), and what happened is put right when Redis is back: seats of connections
 * that closed are held as away, seats of connections still here are written again.
 *
 * @module
 */
import { randomToken } from "../protocol/signaling.ts";
import { log } from "./log.ts";
import { repairSeats } from "./redis_repair.ts";
import {
  COMMAND_TIMEOUT_MS,
  evictionProblem,
  memoryInfo,
  type RedisClient,
  redisClient,
  ScriptRunner,
  timed,
} from "./redis_client.ts";
import {
  HEARTBEAT,
  JOIN,
  RELEASE,
  ROOM_COUNT,
  type ScriptSettings,
  SWEEP,
} from "./redis_scripts.ts";
import {
  type Member,
  type Released,
  type RoomStore,
  SEAT_RULES,
  type SeatExpiry,
  type SeatRef,
  type SeatRequest,
  type StoreHooks,
  type StoreJoin,
} from "./room_store.ts";

export { type RedisClient, redisClient };

/** How often an instance beats and sweeps. */
const BEAT_MS = 1000;
/**
 * A beat Redis has not answered for this long means Redis cannot serve joins. Measured from when
 * the beat was sent, not from the last beat: an instance starved of CPU runs its timer late, and a
 * busy instance is not a broken Redis (it seats the next join as soon as it runs again).
 */
const STALE_AFTER_MS = 3000;
/** What {@linkcode RedisRoomStore.problem} says of a beat unanswered that long. */
const STALE_PROBLEM = "Redis does not answer";
/** An instance silent this long is dead: its connections' seats are held as away. */
const DEAD_AFTER_MS = 5000;
/** Room hashes expire this long after their last join, whatever happens to the instances. */
const ROOM_TTL_MS = 24 * 3600_000;
const PREFIX = "parley:";

/** Options for {@linkcode RedisRoomStore}. */
export interface RedisRoomStoreOptions extends StoreHooks {
  /** This instance's id (random per process). */
  instance: string;
  graceMs: number;
  /** Time for the rules instead of Redis's own (tests on simulated time). */
  clock?: { now(): number };
  /** At most this many expired tokens remembered; {@linkcode SEAT_RULES} by default. */
  expiredMemoryEntries?: number;
  /** Key prefix; `parley:` by default. */
  prefix?: string;
}

/** The registry of rooms in Redis, see the module's documentation. */
export class RedisRoomStore implements RoomStore {
  readonly kind = "redis";
  #client: RedisClient;
  #options: RedisRoomStoreOptions;
  #prefix: string;
  #scripts: ScriptRunner;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When Redis last became reachable; dead instances are looked for a while after. */
  #readySince = Date.now();
  #everReady = false;
  /** When the beat Redis has not answered yet was sent (null: none waits); why the last failed. */
  #beatSent: number | null = null;
  #beatError: string | null = null;
  #beating: Promise<void> | null = null;
  #eviction: string | null = null;

  constructor(client: RedisClient, options: RedisRoomStoreOptions) {
    this.#client = client;
    this.#options = options;
    this.#prefix = options.prefix ?? PREFIX;
    this.#scripts = new ScriptRunner(client);
    client.on("ready", () => {
      this.#readySince = Date.now();
      this.#scripts.reset();
      if (this.#everReady) {
        repairSeats({
          client: this.#client,
          hooks: this.#options,
          instance: this.#options.instance,
          run: (script, keys, args) => this.#run(script, keys, args),
          key: (name) => this.#key(name),
          room: (roomId) => this.#room(roomId),
          release: (socketId, seat) => this.#release(socketId, seat, "hold"),
        }).catch(() => {});
      }
      this.#everReady = true;
      this.beat().catch(() => {});
    });
  }

  /** Starts beating (the client connects, and reconnects, by itself). */
  start(): void {
    this.#readySince = Date.now();
    this.#everReady = this.#client.isReady;
    this.#timer = setInterval(() => this.beat().catch(() => {}), BEAT_MS);
    this.beat().catch(() => {});
  }

  problem(): string | null {
    if (!this.#client.isReady) return "Redis unreachable";
    if (this.#eviction) return this.#eviction;
    if (this.#beatError) return this.#beatError;
    const waiting = this.#beatSent === null ? 0 : Date.now() - this.#beatSent;
    if (waiting > STALE_AFTER_MS) return STALE_PROBLEM;
    return null;
  }

  async join(socketId: string, request: SeatRequest): Promise<StoreJoin> {
    if (this.problem() && !await this.#answeredAfterStall()) {
      return { ok: false, reason: "unavailable" };
    }
    const resume = request.resume ?? "";
    let reply;
    try {
      reply = JSON.parse(
        await this.#run(JOIN, [
          this.#room(request.room),
          this.#key("away"),
          this.#key("instances"),
          this.#key("rooms"),
          this.#key("expired"),
          this.#key("expired-at"),
        ], [
          request.room,
          socketId,
          this.#options.instance,
          request.session,
          resume,
          randomToken(18),
          String(request.capacity),
        ]) as string,
      );
    } catch {
      return { ok: false, reason: "unavailable" };
    }
    if (reply.full) return { ok: false, reason: "room-full" };
    return {
      ok: true,
      seat: {
        roomId: request.room,
        index: reply.index,
        capacity: request.capacity,
        resume: reply.resume,
        session: request.session,
      },
      peers: list<Member>(reply.peers),
      outcome: reply.outcome,
      replacedSocketId: reply.replaced || null,
      previousSession: reply.previous || null,
    };
  }

  leave(socketId: string, seat: SeatRef): Promise<Released | null> {
    return this.#release(socketId, seat, "leave");
  }

  disconnect(socketId: string, seat: SeatRef): Promise<Released | null> {
    return this.#release(socketId, seat, "hold");
  }

  async status(roomId: string, resume?: string): Promise<{ members: number; yours: boolean }> {
    const seats = await timed(this.#client.hGetAll(this.#room(roomId)));
    const values = Object.values(seats).map((raw) => JSON.parse(raw) as { r: string });
    return {
      members: values.length,
      yours: resume !== undefined && values.some((seat) => seat.r === resume),
    };
  }

  async roomCount(): Promise<number> {
    return Number(await this.#run(ROOM_COUNT, [this.#key("rooms")], []));
  }

  /** How many expired tokens are remembered now, on every instance (tests, bounds). */
  async expiredRemembered(): Promise<number> {
    return await timed(this.#client.zCard(this.#key("expired-at")));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating?.catch(() => {});
    if (this.#client.isReady) {
      await timed(this.#client.zRem(this.#key("instances"), this.#options.instance)).catch(
        () => {},
      );
    }
    await this.#client.close().catch(() => {});
  }

  /**
   * Whether Redis turns out fine once the beat in flight is answered, when the only problem is
   * that it has waited long: so it does just after this instance was starved of CPU or stopped,
   * and the answer waits to be read. Waits at most {@linkcode COMMAND_TIMEOUT_MS}.
   */
  async #answeredAfterStall(): Promise<boolean> {
    const beating = this.#beating;
    if (!beating || this.problem() !== STALE_PROBLEM || this.#beatError) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      beating.catch(() => {}),
      new Promise((resolve) => timer = setTimeout(resolve, COMMAND_TIMEOUT_MS)),
    ]).finally(() => clearTimeout(timer));
    return this.problem() === null;
  }

  /**
   * One beat: say this instance is alive, sweep expired seats and dead instances, and look at
   * Redis's eviction policy. Runs every second after {@linkcode start}; one at a time.
   */
  beat(): Promise<void> {
    if (!this.#client.isReady) return Promise.resolve();
    this.#beating ??= this.#beatOnce().finally(() => this.#beating = null);
    return this.#beating;
  }

  async #beatOnce(): Promise<void> {
    const { instance } = this.#options;
    const lookForDead = Date.now() - this.#readySince > DEAD_AFTER_MS ? "1" : "0";
    this.#beatSent = Date.now();
    try {
      await this.#run(HEARTBEAT, [this.#key("instances")], [instance]);
      const raw = await this.#run(SWEEP, [
        this.#key("away"),
        this.#key("instances"),
        this.#key("expired"),
        this.#key("expired-at"),
      ], [lookForDead, "500"]);
      this.#beatSent = null;
      this.#setBeatError(null);
      for (const event of list<SweepEvent>(JSON.parse(raw as string))) {
        const expiry: SeatExpiry = {
          roomId: event.room,
          index: event.index,
          session: event.session,
          peers: list(event.peers),
        };
        if (event.e === "left") this.#options.onExpire(expiry);
        else this.#options.onPeerAway(expiry);
      }
    } catch (error) {
      this.#beatSent = null;
      const message = String((error as Error).message);
      this.#setBeatError(
        /\bOOM\b/.test(message) ? "Redis is out of memory" : "Redis does not answer",
      );
      return;
    }
    const eviction = await memoryInfo(this.#client).then(evictionProblem, () => this.#eviction);
    if (eviction !== this.#eviction) {
      if (eviction) log("error", "redis.evicting", { problem: eviction });
      this.#eviction = eviction;
    }
  }

  #setBeatError(error: string | null): void {
    if (error !== this.#beatError && error) log("warn", "redis.refusing", { problem: error });
    this.#beatError = error;
  }

  async #release(socketId: string, seat: SeatRef, how: "leave" | "hold"): Promise<Released | null> {
    const reply = await this.#run(RELEASE, [this.#room(seat.roomId), this.#key("away")], [
      seat.roomId,
      String(seat.index),
      socketId,
      seat.resume,
      how,
    ]);
    if (reply === null) return null;
    return { peers: list(JSON.parse(reply as string)) };
  }

  /** Runs a script with the settings as its first argument. */
  #run(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.#scripts.run(script, keys, [this.#settings(), ...args]);
  }

  /** The scripts' first argument: the rules' numbers, defined in TypeScript once. */
  #settings(): string {
    const settings: ScriptSettings = {
      prefix: this.#prefix,
      graceMs: this.#options.graceMs,
      deadAfterMs: DEAD_AFTER_MS,
      roomTtlMs: ROOM_TTL_MS,
      expiredMs: SEAT_RULES.expiredMemoryMs,
      expiredEntries: this.#options.expiredMemoryEntries ?? SEAT_RULES.expiredMemoryEntries,
      now: this.#options.clock?.now(),
    };
    return JSON.stringify(settings);
  }

  #key(name: string): string {
    return this.#prefix + name;
  }

  #room(roomId: string): string {
    return `${this.#prefix}room:${roomId}`;
  }
}

interface SweepEvent {
  e: "left" | "away";
  room: string;
  index: number;
  /** Whose seat it was. */
  session: string;
  peers: unknown;
}

/** A list from the scripts' JSON, where Lua's cjson writes an empty list as `{}`. */
function list<T = number>(value: unknown): T[] {
  return Array.isArray(value) ? value : [];
}
