/**
 * The rate limits of signaling: per connection (joins, room-status questions, descriptions,
 * candidates, signal bytes) and per address (joins, room-status questions, TURN credentials, new
 * rooms). Signals have no per-address bucket on purpose: an address holds at most
 * `MAX_CONNECTIONS_PER_ADDRESS` connections, which bounds its rate, and people behind one NAT are
 * not slowed by each other.
 *
 * A connection is the transport connection (Engine.IO's, one WebSocket), not the Socket.IO
 * namespace socket on it: leaving and joining the namespace again on the same WebSocket keeps the
 * buckets it had (it did not, and made 1,500 room-status questions a second out of 60 a minute).
 *
 * @module
 */
import type { ServerLimits } from "./config.ts";
import { KeyedBuckets, type NowClock, TokenBucket } from "./rate_limit.ts";

/** What a signal costs: its kind and its size in bytes. */
export interface SignalCost {
  kind: "description" | "candidate";
  bytes: number;
}

/** `room-status` questions per connection a minute: the pre-join screen asks every 3 s. */
const STATUS_PER_MINUTE = 60;
/** `room-status` questions per address a minute: five pre-join screens open at once. */
const STATUS_PER_ADDRESS_PER_MINUTE = 300;
/** Namespace connections per transport connection a minute (the client makes one). */
const NAMESPACE_CONNECTS_PER_MINUTE = 10;

interface ConnectionBuckets {
  joins: TokenBucket;
  status: TokenBucket;
  namespace: TokenBucket;
  descriptions: TokenBucket;
  candidates: TokenBucket;
  bytes: TokenBucket;
}

/** Every bucket of one server; answers "may this happen now?" with 0 or the wait in ms. */
export class ClientLimits {
  #limits: ServerLimits;
  #clock?: NowClock;
  #connections = new Map<string, ConnectionBuckets>();
  #joins: KeyedBuckets;
  #status: KeyedBuckets;
  #turn: KeyedBuckets;
  #newRooms: KeyedBuckets;

  constructor(limits: ServerLimits, clock?: NowClock) {
    this.#limits = limits;
    this.#clock = clock;
    this.#joins = new KeyedBuckets({ perMinute: limits.joinsPerAddress, clock });
    this.#status = new KeyedBuckets({ perMinute: STATUS_PER_ADDRESS_PER_MINUTE, clock });
    this.#turn = new KeyedBuckets({ perMinute: limits.turnCredentialsPerAddress, clock });
    this.#newRooms = new KeyedBuckets({ perMinute: limits.newRoomsPerAddress, clock });
  }

  /** Takes a join from the connection's and the address's allowance; else the wait in ms. */
  join(connection: string, address: string): number {
    const own = this.#of(connection).joins;
    if (!own.take()) return own.waitMs();
    if (!this.#joins.take(address)) return this.#joins.waitMs(address);
    return 0;
  }

  /** Takes a `room-status` question from the connection's and the address's allowance. */
  status(connection: string, address: string): number {
    const own = this.#of(connection).status;
    if (!own.take()) return own.waitMs();
    if (!this.#status.take(address)) return this.#status.waitMs(address);
    return 0;
  }

  /** Takes a namespace connection from the transport connection's allowance; else the wait. */
  namespaceConnect(connection: string): number {
    const own = this.#of(connection).namespace;
    return own.take() ? 0 : own.waitMs();
  }

  /** Takes a signal from the connection's allowance; else the wait in ms. */
  signal(connection: string, cost: SignalCost): number {
    const buckets = this.#of(connection);
    const count = cost.kind === "description" ? buckets.descriptions : buckets.candidates;
    if (count.waitMs() > 0) return count.waitMs();
    if (buckets.bytes.waitMs(cost.bytes) > 0) return buckets.bytes.waitMs(cost.bytes);
    count.take();
    buckets.bytes.take(cost.bytes);
    return 0;
  }

  /** Wait in ms before `address` may have another TURN credential (0: now). Takes nothing. */
  turnWait(address: string): number {
    return this.#turn.waitMs(address);
  }

  /** Spends one of `address`'s TURN credentials (after {@linkcode turnWait} said 0). */
  takeTurn(address: string): void {
    this.#turn.take(address);
  }

  /** Takes one room opening (`POST /new`) from `address`; else the wait in ms. */
  newRoom(address: string): number {
    if (!this.#newRooms.take(address)) return this.#newRooms.waitMs(address);
    return 0;
  }

  /** Forgets a closed connection's buckets. */
  forget(connection: string): void {
    this.#connections.delete(connection);
  }

  #of(connection: string): ConnectionBuckets {
    let buckets = this.#connections.get(connection);
    if (!buckets) {
      const limits = this.#limits;
      buckets = {
        joins: new TokenBucket(limits.joinsPerConnection, this.#clock),
        status: new TokenBucket(STATUS_PER_MINUTE, this.#clock),
        namespace: new TokenBucket(NAMESPACE_CONNECTS_PER_MINUTE, this.#clock),
        descriptions: new TokenBucket(limits.descriptionsPerConnection, this.#clock),
        candidates: new TokenBucket(limits.candidatesPerConnection, this.#clock),
        bytes: new TokenBucket(limits.signalBytesPerConnection, this.#clock),
      };
      this.#connections.set(connection, buckets);
    }
    return buckets;
  }
}
