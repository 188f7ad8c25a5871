/**
 * The Lua scripts behind `server/redis_rooms.ts`. Each runs atomically in Redis, so two joins
 * racing on two instances are served one after the other: the second sees the first's seat.
 *
 * Layout, under a prefix (`parley:`):
 * - `room:<id>`: a hash, one field per taken seat (`impolite`, `polite`), each a JSON object
 *   `{ s: session, r: resume token, k: socket id or "" while away, i: instance id,
 *   a: time the held seat expires (ms, Redis clock) or 0 while connected }`. Expires a day after
 *   the last join, so nothing leaks if every instance dies.
 * - `away`: a sorted set of held seats (`room\nrole\nresume`) by expiry time; any instance's
 *   sweep removes the ones whose time has come and tells the member left behind.
 * - `instances`: a sorted set of instance ids by last heartbeat; `inst:<id>` the seats (`room\nrole`)
 *   bound to that instance's connections. The seats of an instance that stopped beating (it died)
 *   are held as away, so their members take them back from another instance with their token.
 * - `expired:<token>`: the room of a seat whose grace ran out, for 15 minutes, so the join ack
 *   can say `expired`.
 *
 * Times come from Redis (`TIME`), one clock for every instance. Keys other than the script's own
 * are built inside the scripts, so this layout needs one Redis server (or a cluster with every
 * key in one hash slot), not a sharded cluster.
 *
 * @module
 */

const COMMON = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function other(role)
  if role == 'impolite' then return 'polite' end
  return 'impolite'
end
`;

/**
 * KEYS: room, away, instances, expired:<resume>.
 * ARGV: room id, socket, instance, session, resume or "", new token, grace ms, dead-after ms,
 * prefix, room ttl ms. Returns JSON: `{ full: true }` or the seat taken.
 */
export const JOIN = COMMON + `
local t = now()
local seats, count = {}, 0
for _, role in ipairs({'impolite', 'polite'}) do
  local raw = redis.call('HGET', KEYS[1], role)
  if raw then seats[role] = cjson.decode(raw); count = count + 1 end
end
local function member(role, s) return ARGV[1] .. '\\n' .. role .. '\\n' .. s.r end
-- A seat bound to a connection of an instance that stopped beating is away from now on.
for role, s in pairs(seats) do
  if s.k ~= '' then
    local beat = redis.call('ZSCORE', KEYS[3], s.i)
    if not beat or tonumber(beat) <= t - tonumber(ARGV[8]) then
      s.k = ''
      s.a = t + tonumber(ARGV[7])
      redis.call('HSET', KEYS[1], role, cjson.encode(s))
      redis.call('ZADD', KEYS[2], s.a, member(role, s))
    end
  end
end
local mine, replaced, outcome = nil, false, 'new'
if ARGV[5] ~= '' then
  for role, s in pairs(seats) do
    if s.r == ARGV[5] then mine = role end
  end
end
if mine then
  local s = seats[mine]
  if s.k ~= '' then replaced = s.k end
  if s.a > 0 then redis.call('ZREM', KEYS[2], member(mine, s)) end
  redis.call('SREM', ARGV[9] .. 'inst:' .. s.i, ARGV[1] .. '\\n' .. mine)
  s.k = ARGV[2]; s.i = ARGV[3]; s.s = ARGV[4]; s.a = 0
  outcome = 'resumed'
else
  if count >= 2 then return cjson.encode({ full = true }) end
  if seats['impolite'] then mine = 'polite' else mine = 'impolite' end
  seats[mine] = { s = ARGV[4], r = ARGV[6], k = ARGV[2], i = ARGV[3], a = 0 }
  if ARGV[5] ~= '' and redis.call('GET', KEYS[4]) == ARGV[1] then
    outcome = 'expired'
    redis.call('DEL', KEYS[4])
  end
end
redis.call('HSET', KEYS[1], mine, cjson.encode(seats[mine]))
redis.call('PEXPIRE', KEYS[1], ARGV[10])
redis.call('SADD', ARGV[9] .. 'inst:' .. ARGV[3], ARGV[1] .. '\\n' .. mine)
local peer = seats[other(mine)]
local peerInfo = false
if peer then peerInfo = { session = peer.s, role = other(mine) } end
return cjson.encode({ role = mine, resume = seats[mine].r, outcome = outcome,
  replaced = replaced, peer = peerInfo })
`;

/**
 * Gives a seat up (`leave`) or holds it (`disconnect`), only while `socket` still holds it.
 * KEYS: room, away. ARGV: room id, role, socket, grace ms (or "leave"), prefix.
 * Returns nil when the socket no longer held the seat, else the peer's role or "".
 */
export const RELEASE = COMMON + `
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if not raw then return false end
local s = cjson.decode(raw)
if s.k ~= ARGV[3] then return false end
redis.call('SREM', ARGV[5] .. 'inst:' .. s.i, ARGV[1] .. '\\n' .. ARGV[2])
if ARGV[4] == 'leave' then
  redis.call('HDEL', KEYS[1], ARGV[2])
else
  s.k = ''
  s.a = now() + tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(s))
  redis.call('ZADD', KEYS[2], s.a, ARGV[1] .. '\\n' .. ARGV[2] .. '\\n' .. s.r)
end
local peer = other(ARGV[2])
if redis.call('HEXISTS', KEYS[1], peer) == 1 then return peer end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) end
return ''
`;

/**
 * Expires held seats whose time has come and holds the seats of instances that stopped beating.
 * KEYS: away, instances. ARGV: prefix, grace ms, dead-after ms, "1" to look for dead instances,
 * at most this many expiries. Returns `left\nroom\npeerRole` and `away\nroom\npeerRole` lines
 * for the members to tell.
 */
export const SWEEP = COMMON + `
local t = now()
local out = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', t, 'LIMIT', 0, tonumber(ARGV[5]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  local roomId, role, resume = string.match(m, '^([^\\n]*)\\n([^\\n]*)\\n([^\\n]*)$')
  local room = ARGV[1] .. 'room:' .. roomId
  local raw = redis.call('HGET', room, role)
  if raw then
    local s = cjson.decode(raw)
    if s.r == resume and s.k == '' and s.a > 0 and s.a <= t then
      redis.call('HDEL', room, role)
      redis.call('SET', ARGV[1] .. 'expired:' .. resume, roomId, 'PX', 900000)
      if redis.call('HEXISTS', room, other(role)) == 1 then
        table.insert(out, 'left\\n' .. roomId .. '\\n' .. other(role))
      else
        redis.call('DEL', room)
      end
    end
  end
end
if ARGV[4] == '1' then
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', t - tonumber(ARGV[3]))
  for _, id in ipairs(dead) do
    local set = ARGV[1] .. 'inst:' .. id
    for _, m in ipairs(redis.call('SMEMBERS', set)) do
      local roomId, role = string.match(m, '^([^\\n]*)\\n([^\\n]*)$')
      local room = ARGV[1] .. 'room:' .. roomId
      local raw = redis.call('HGET', room, role)
      if raw then
        local s = cjson.decode(raw)
        if s.i == id and s.k ~= '' then
          s.k = ''
          s.a = t + tonumber(ARGV[2])
          redis.call('HSET', room, role, cjson.encode(s))
          redis.call('ZADD', KEYS[1], s.a, roomId .. '\\n' .. role .. '\\n' .. s.r)
          if redis.call('HEXISTS', room, other(role)) == 1 then
            table.insert(out, 'away\\n' .. roomId .. '\\n' .. other(role))
          end
        end
      end
    end
    redis.call('DEL', set)
    redis.call('ZREM', KEYS[2], id)
  end
end
return out
`;

/** KEYS: instances. ARGV: instance id. Records the instance's heartbeat. */
export const HEARTBEAT = COMMON + `
redis.call('ZADD', KEYS[1], now(), ARGV[1])
return 1
`;

/**
 * Puts back a seat this instance's connection holds, after Redis was away (it may have lost its
 * data, or another instance may have held the seat as away meanwhile). Refused (0) when the seat
 * went to someone else or the room filled up.
 * KEYS: room, away. ARGV: room id, role, socket, instance, session, resume, prefix, room ttl ms.
 */
export const RESTORE = COMMON + `
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if raw then
  local s = cjson.decode(raw)
  if s.r ~= ARGV[6] or (s.k ~= '' and s.k ~= ARGV[3]) then return 0 end
  if s.a > 0 then redis.call('ZREM', KEYS[2], ARGV[1] .. '\\n' .. ARGV[2] .. '\\n' .. s.r) end
elseif redis.call('HLEN', KEYS[1]) >= 2 then
  return 0
end
local s = { s = ARGV[5], r = ARGV[6], k = ARGV[3], i = ARGV[4], a = 0 }
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(s))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('SADD', ARGV[7] .. 'inst:' .. ARGV[4], ARGV[1] .. '\\n' .. ARGV[2])
return 1
`;
