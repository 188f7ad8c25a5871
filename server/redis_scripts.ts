/**
 * The Lua scripts behind `server/redis_rooms.ts`: the seat rules of `server/room_store.ts` kept in
 * Redis. Each runs atomically, so two joins racing on two instances are served one after the
 * other: the second sees the first's seat.
 *
 * Every script takes the store's settings as its first argument, a JSON object (see
 * {@linkcode ScriptSettings}): the numbers of the rules are defined once in TypeScript and handed
 * over, never written here.
 *
 * Layout, under a prefix (`parley:`):
 * - `room:<id>`: a hash, one field per taken seat (its number, `0`, `1`, ...), each a JSON object
 *   `{ s: session, r: resume token, k: socket id or "" while away, i: instance id,
 *   a: time the held seat expires (ms) or 0 while connected }`. Expires a day after the last
 *   join, so nothing leaks if every instance dies.
 * - `rooms`: a sorted set of the room ids with a seat taken, by the time their hash expires, so
 *   every instance counts every room.
 * - `away`: a sorted set of held seats (`room\nseat\nresume`) by expiry time; any instance's
 *   sweep removes the ones whose time has come and tells the members left behind.
 * - `instances`: a sorted set of instance ids by last heartbeat; `inst:<id>` the seats
 *   (`room\nseat`) bound to that instance's connections. The seats of an instance that stopped
 *   beating (it died) are held as away, so their members take them back from another instance.
 * - `expired` (a hash, token → room) and `expired-at` (a sorted set, token → when it is forgotten):
 *   the tokens of seats whose grace ran out, so the join ack can say `expired`; at most
 *   `expiredEntries` of them, the oldest forgotten first, so a flood of expiries cannot fill Redis.
 *
 * Times come from Redis (`TIME`), one clock for every instance, unless the settings carry `now`
 * (tests on simulated time). Keys other than the script's own are built inside the scripts, so
 * this layout needs one Redis server (or a cluster with every key in one hash slot).
 *
 * @module
 */

/** What every script is told, as JSON in its first argument. */
export interface ScriptSettings {
  prefix: string;
  graceMs: number;
  /** An instance silent this long is dead. */
  deadAfterMs: number;
  /** Room hashes expire this long after their last join. */
  roomTtlMs: number;
  /** How long, and how many, expired tokens are remembered. */
  expiredMs: number;
  expiredEntries: number;
  /** The time to use instead of Redis's (tests); absent in production. */
  now?: number;
}

const COMMON = `
local S = cjson.decode(ARGV[1])
local function now()
  if S.now then return S.now end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function key(name) return S.prefix .. name end
local function seatsOf(roomKey)
  local flat = redis.call('HGETALL', roomKey)
  local seats, count = {}, 0
  for i = 1, #flat, 2 do
    seats[tonumber(flat[i])] = cjson.decode(flat[i + 1])
    count = count + 1
  end
  return seats, count
end
-- The other seats taken in a room. (cjson writes an empty table as {}: readers take it as [].)
local function peersOf(roomKey, index)
  local out = {}
  for _, field in ipairs(redis.call('HKEYS', roomKey)) do
    local n = tonumber(field)
    if n ~= index then table.insert(out, n) end
  end
  table.sort(out)
  return out
end
local function dropIfEmpty(roomKey, roomId)
  if redis.call('HLEN', roomKey) == 0 then
    redis.call('DEL', roomKey)
    redis.call('ZREM', key('rooms'), roomId)
  end
end
`;

/**
 * KEYS: room, away, instances, rooms, expired, expired-at.
 * ARGV: settings, room id, socket, instance, session, resume or "", new token, capacity.
 * Returns JSON: `{ full: true }` or the seat taken (with `previous`, the session a resumed seat
 * had).
 */
export const JOIN = COMMON + `
local t = now()
local roomId = ARGV[2]
local seats, count = seatsOf(KEYS[1])
local function member(index, s) return roomId .. '\\n' .. index .. '\\n' .. s.r end
-- A seat bound to a connection of an instance that stopped beating is away from now on.
for index, s in pairs(seats) do
  if s.k ~= '' then
    local beat = redis.call('ZSCORE', KEYS[3], s.i)
    if not beat or tonumber(beat) <= t - S.deadAfterMs then
      s.k = ''
      s.a = t + S.graceMs
      redis.call('HSET', KEYS[1], tostring(index), cjson.encode(s))
      redis.call('ZADD', KEYS[2], s.a, member(index, s))
    end
  end
end
local mine, replaced, outcome, previous = nil, false, 'new', false
if ARGV[6] ~= '' then
  for index, s in pairs(seats) do
    if s.r == ARGV[6] then mine = index end
  end
end
if mine then
  local s = seats[mine]
  if s.k ~= '' then replaced = s.k end
  previous = s.s
  if s.a > 0 then redis.call('ZREM', KEYS[2], member(mine, s)) end
  redis.call('SREM', key('inst:' .. s.i), roomId .. '\\n' .. mine)
  s.k = ARGV[3]; s.i = ARGV[4]; s.s = ARGV[5]; s.a = 0
  outcome = 'resumed'
else
  if count >= tonumber(ARGV[8]) then return cjson.encode({ full = true }) end
  mine = 0
  while seats[mine] do mine = mine + 1 end
  seats[mine] = { s = ARGV[5], r = ARGV[7], k = ARGV[3], i = ARGV[4], a = 0 }
  if ARGV[6] ~= '' then
    -- A token remembered as expired is told so once, in its own room, then forgotten.
    local was = redis.call('HGET', KEYS[5], ARGV[6])
    if was then
      local forgetAt = tonumber(redis.call('ZSCORE', KEYS[6], ARGV[6]) or '0')
      redis.call('HDEL', KEYS[5], ARGV[6])
      redis.call('ZREM', KEYS[6], ARGV[6])
      if was == roomId and forgetAt > t then outcome = 'expired' end
    end
  end
end
redis.call('HSET', KEYS[1], tostring(mine), cjson.encode(seats[mine]))
redis.call('PEXPIRE', KEYS[1], S.roomTtlMs)
redis.call('ZADD', KEYS[4], t + S.roomTtlMs, roomId)
redis.call('SADD', key('inst:' .. ARGV[4]), roomId .. '\\n' .. mine)
local peers = {}
for index, s in pairs(seats) do
  if index ~= mine then table.insert(peers, { index = index, session = s.s }) end
end
table.sort(peers, function(a, b) return a.index < b.index end)
return cjson.encode({ index = mine, resume = seats[mine].r, outcome = outcome,
  replaced = replaced, previous = previous, peers = peers })
`;

/**
 * Gives a seat up (`leave`) or holds it (`hold`), only while `socket` still holds it.
 * KEYS: room, away. ARGV: settings, room id, seat, socket, resume, "leave" or "hold".
 * Returns nil when the socket no longer held the seat, else the other seats taken (JSON).
 */
export const RELEASE = COMMON + `
local raw = redis.call('HGET', KEYS[1], ARGV[3])
if not raw then return false end
local s = cjson.decode(raw)
if s.k ~= ARGV[4] or s.r ~= ARGV[5] then return false end
redis.call('SREM', key('inst:' .. s.i), ARGV[2] .. '\\n' .. ARGV[3])
if ARGV[6] == 'leave' then
  redis.call('HDEL', KEYS[1], ARGV[3])
else
  s.k = ''
  s.a = now() + S.graceMs
  redis.call('HSET', KEYS[1], ARGV[3], cjson.encode(s))
  redis.call('ZADD', KEYS[2], s.a, ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. s.r)
end
local peers = peersOf(KEYS[1], tonumber(ARGV[3]))
dropIfEmpty(KEYS[1], ARGV[2])
return cjson.encode(peers)
`;

/**
 * Expires held seats whose time has come, forgets old expired tokens, and holds the seats of
 * instances that stopped beating.
 * KEYS: away, instances, expired, expired-at.
 * ARGV: settings, "1" to look for dead instances, at most this many expiries.
 * Returns a JSON array of `{ e: "left" | "away", room, index, session, peers }` for the members
 * to tell (`session`: whose seat it was).
 */
export const SWEEP = COMMON + `
local t = now()
local out = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', t, 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  local roomId, index, resume = string.match(m, '^([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)$')
  local room = key('room:' .. roomId)
  local raw = redis.call('HGET', room, index)
  if raw then
    local s = cjson.decode(raw)
    if s.r == resume and s.k == '' and s.a > 0 and s.a <= t then
      redis.call('HDEL', room, index)
      redis.call('HSET', KEYS[3], resume, roomId)
      redis.call('ZADD', KEYS[4], t + S.expiredMs, resume)
      table.insert(out, { e = 'left', room = roomId, index = tonumber(index), session = s.s,
        peers = peersOf(room, tonumber(index)) })
      dropIfEmpty(room, roomId)
    end
  end
end
-- Expired tokens: forgotten when their time is up, and the oldest beyond the bound.
local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', t, 'LIMIT', 0, 1000)
for _, token in ipairs(old) do
  redis.call('ZREM', KEYS[4], token)
  redis.call('HDEL', KEYS[3], token)
end
local extra = redis.call('ZCARD', KEYS[4]) - S.expiredEntries
if extra > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[4], extra)
  for i = 1, #popped, 2 do redis.call('HDEL', KEYS[3], popped[i]) end
end
if ARGV[2] == '1' then
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', t - S.deadAfterMs)
  for _, id in ipairs(dead) do
    local set = key('inst:' .. id)
    for _, m in ipairs(redis.call('SMEMBERS', set)) do
      local roomId, index = string.match(m, '^([^\\n]*)\\n([^\\n]*)$')
      local room = key('room:' .. roomId)
      local raw = redis.call('HGET', room, index)
      if raw then
        local s = cjson.decode(raw)
        if s.i == id and s.k ~= '' then
          s.k = ''
          s.a = t + S.graceMs
          redis.call('HSET', room, index, cjson.encode(s))
          redis.call('ZADD', KEYS[1], s.a, roomId .. '\\n' .. index .. '\\n' .. s.r)
          table.insert(out, { e = 'away', room = roomId, index = tonumber(index), session = s.s,
            peers = peersOf(room, tonumber(index)) })
        end
      end
    end
    redis.call('DEL', set)
    redis.call('ZREM', KEYS[2], id)
  end
end
return cjson.encode(out)
`;

/** KEYS: instances. ARGV: settings, instance id. Records the instance's heartbeat. */
export const HEARTBEAT = COMMON + `
redis.call('ZADD', KEYS[1], now(), ARGV[2])
return 1
`;

/** KEYS: rooms. ARGV: settings. The rooms with a seat taken, on every instance. */
export const ROOM_COUNT = COMMON + `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now())
return redis.call('ZCARD', KEYS[1])
`;

/**
 * Puts back a seat this instance's connection holds, after Redis was away (it may have lost its
 * data, or another instance may have held the seat as away meanwhile). Refused (0) when the seat
 * went to someone else or the room filled up.
 * KEYS: room, away, rooms. ARGV: settings, room id, seat, socket, instance, session, resume,
 * capacity.
 */
export const RESTORE = COMMON + `
local raw = redis.call('HGET', KEYS[1], ARGV[3])
if raw then
  local s = cjson.decode(raw)
  if s.r ~= ARGV[7] or (s.k ~= '' and s.k ~= ARGV[4]) then return 0 end
  if s.a > 0 then redis.call('ZREM', KEYS[2], ARGV[2] .. '\\n' .. ARGV[3] .. '\\n' .. s.r) end
elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[8]) then
  return 0
end
local s = { s = ARGV[6], r = ARGV[7], k = ARGV[4], i = ARGV[5], a = 0 }
redis.call('HSET', KEYS[1], ARGV[3], cjson.encode(s))
redis.call('PEXPIRE', KEYS[1], S.roomTtlMs)
redis.call('ZADD', KEYS[3], now() + S.roomTtlMs, ARGV[2])
redis.call('SADD', key('inst:' .. ARGV[5]), ARGV[2] .. '\\n' .. ARGV[3])
return 1
`;
