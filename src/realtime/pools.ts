// Open WebUI's three socket pools: sessions (socket id → user), users (user id → socket ids)
// and usage (model id → {socket id: {updated_at}}). This instance always keeps its own sockets
// in memory; with WEBSOCKET_MANAGER=redis the pools are also kept in Redis under Open WebUI's
// key names and layout (hashes of JSON values), so every instance reads the same pools.
// Redis writes are atomic Lua scripts; while Redis is away reads fall back to this instance's
// sockets, and the instance writes its sockets back when Redis returns.
import type Redis from "ioredis";
import type { Logger } from "../core/logger";
import type { RedisLink } from "./redis";

/** Seconds after which a model no longer counts as in use (Open WebUI's TIMEOUT_DURATION). */
export const USAGE_TIMEOUT_S = 3;

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: string;
  profile_image_url: string;
}

/** What the rest of the code reads (`ctx.usage`). */
export interface UsagePools {
  modelIds(): Promise<string[]>;
  userIds(): Promise<string[]>;
  isUserActive(userId: string): Promise<boolean>;
  /** The user id a socket (session) belongs to, on any instance; null when unknown or anonymous. */
  sessionUserId(sessionId: string): Promise<string | null>;
}

export interface Pools extends UsagePools {
  add(sid: string, user: SessionUser): Promise<void>;
  remove(sid: string): Promise<void>;
  touchUsage(modelId: string, sid: string): Promise<void>;
  /** Drops usage entries older than USAGE_TIMEOUT_S. */
  expireUsage(): Promise<void>;
  /** Removes pool entries of sockets that no instance holds any more (instances that died). */
  sweep(liveSids: Set<string>): Promise<void>;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** This instance's sockets. */
export class LocalPools implements Pools {
  readonly sessions = new Map<string, SessionUser>();
  readonly users = new Map<string, string[]>();
  readonly usage = new Map<string, Map<string, number>>();

  async add(sid: string, user: SessionUser): Promise<void> {
    this.sessions.set(sid, user);
    const sids = this.users.get(user.id) ?? [];
    if (!sids.includes(sid)) this.users.set(user.id, [...sids, sid]);
  }

  async remove(sid: string): Promise<void> {
    const user = this.sessions.get(sid);
    if (!user) return;
    this.sessions.delete(sid);
    const rest = (this.users.get(user.id) ?? []).filter((s) => s !== sid);
    if (rest.length > 0) this.users.set(user.id, rest);
    else this.users.delete(user.id);
  }

  async touchUsage(modelId: string, sid: string): Promise<void> {
    let entries = this.usage.get(modelId);
    if (!entries) this.usage.set(modelId, (entries = new Map()));
    entries.set(sid, nowSeconds());
  }

  async expireUsage(): Promise<void> {
    const now = nowSeconds();
    for (const [modelId, entries] of this.usage) {
      for (const [sid, at] of entries) if (now - at > USAGE_TIMEOUT_S) entries.delete(sid);
      if (entries.size === 0) this.usage.delete(modelId);
    }
  }

  async sweep(): Promise<void> {}

  async modelIds(): Promise<string[]> {
    return [...this.usage.keys()];
  }

  async userIds(): Promise<string[]> {
    return [...this.users.keys()];
  }

  async isUserActive(userId: string): Promise<boolean> {
    return this.users.has(userId);
  }

  async sessionUserId(sessionId: string): Promise<string | null> {
    return this.sessions.get(sessionId)?.id ?? null;
  }
}

// KEYS[1] session_pool, KEYS[2] user_pool; ARGV[1] sid, ARGV[2] user id, ARGV[3] user JSON.
const ADD_SESSION = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local raw = redis.call('HGET', KEYS[2], ARGV[2])
local sids = raw and cjson.decode(raw) or {}
for _, s in ipairs(sids) do if s == ARGV[1] then return 0 end end
table.insert(sids, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], cjson.encode(sids))
return 1`;

// KEYS[1] session_pool, KEYS[2] user_pool; ARGV[1] sid, ARGV[2] user id if known.
const REMOVE_SESSION = `
local userId = ARGV[2]
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then userId = cjson.decode(raw)['id'] end
redis.call('HDEL', KEYS[1], ARGV[1])
if not userId or userId == '' then return 0 end
local list = redis.call('HGET', KEYS[2], userId)
if not list then return 0 end
local rest = {}
for _, s in ipairs(cjson.decode(list)) do if s ~= ARGV[1] then table.insert(rest, s) end end
if #rest == 0 then redis.call('HDEL', KEYS[2], userId) else redis.call('HSET', KEYS[2], userId, cjson.encode(rest)) end
return 1`;

// KEYS[1] usage_pool; ARGV[1] model id, ARGV[2] sid, ARGV[3] now.
const TOUCH_USAGE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local entries = raw and cjson.decode(raw) or {}
entries[ARGV[2]] = { updated_at = tonumber(ARGV[3]) }
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entries))
return 1`;

// KEYS[1] usage_pool; ARGV[1] now, ARGV[2] timeout.
const EXPIRE_USAGE = `
local all = redis.call('HGETALL', KEYS[1])
local now, timeout = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, #all, 2 do
  local kept, any = {}, false
  for sid, details in pairs(cjson.decode(all[i + 1])) do
    if type(details) == 'table' and tonumber(details['updated_at']) and now - tonumber(details['updated_at']) <= timeout then
      kept[sid] = details
      any = true
    end
  end
  if any then redis.call('HSET', KEYS[1], all[i], cjson.encode(kept)) else redis.call('HDEL', KEYS[1], all[i]) end
end
return 1`;

type Scripts = {
  owbAddSession(session: string, users: string, sid: string, userId: string, user: string): Promise<number>;
  owbRemoveSession(session: string, users: string, sid: string, userId: string): Promise<number>;
  owbTouchUsage(usage: string, modelId: string, sid: string, now: number): Promise<number>;
  owbExpireUsage(usage: string, now: number, timeout: number): Promise<number>;
};

function withScripts(client: Redis): Redis & Scripts {
  const scripted = client as Redis & Partial<Scripts>;
  if (!scripted.owbAddSession) {
    client.defineCommand("owbAddSession", { numberOfKeys: 2, lua: ADD_SESSION });
    client.defineCommand("owbRemoveSession", { numberOfKeys: 2, lua: REMOVE_SESSION });
    client.defineCommand("owbTouchUsage", { numberOfKeys: 1, lua: TOUCH_USAGE });
    client.defineCommand("owbExpireUsage", { numberOfKeys: 1, lua: EXPIRE_USAGE });
  }
  return client as Redis & Scripts;
}

/** The pools in Redis, mirrored by this instance's own sockets for outages. */
export class RedisPools implements Pools {
  private readonly keys: { session: string; users: string; usage: string };
  private readonly redis: Redis & Scripts;
  /** Sockets that left while Redis was away: removed from Redis once it is back. */
  private pendingRemovals = new Map<string, string>();
  /** Socket ids missing from every instance at the previous sweep. */
  private suspects = new Set<string>();

  constructor(
    private readonly link: RedisLink,
    prefix: string,
    private readonly local: LocalPools,
    private readonly log: Logger,
  ) {
    this.keys = { session: `${prefix}:session_pool`, users: `${prefix}:user_pool`, usage: `${prefix}:usage_pool` };
    this.redis = withScripts(link.command);
    link.onReady(() => void this.restore());
  }

  async add(sid: string, user: SessionUser): Promise<void> {
    await this.local.add(sid, user);
    this.pendingRemovals.delete(sid);
    await this.redis
      .owbAddSession(this.keys.session, this.keys.users, sid, user.id, JSON.stringify(user))
      .catch((error) => this.failed("register a socket", error));
  }

  async remove(sid: string): Promise<void> {
    const userId = this.local.sessions.get(sid)?.id ?? "";
    await this.local.remove(sid);
    for (const entries of this.local.usage.values()) entries.delete(sid);
    try {
      await this.redis.owbRemoveSession(this.keys.session, this.keys.users, sid, userId);
    } catch (error) {
      this.pendingRemovals.set(sid, userId);
      this.failed("unregister a socket", error);
    }
  }

  async touchUsage(modelId: string, sid: string): Promise<void> {
    await this.local.touchUsage(modelId, sid);
    await this.redis
      .owbTouchUsage(this.keys.usage, modelId, sid, nowSeconds())
      .catch((error) => this.failed("record usage", error));
  }

  async expireUsage(): Promise<void> {
    await this.local.expireUsage();
    if (!this.link.isUp) return;
    await this.redis
      .owbExpireUsage(this.keys.usage, nowSeconds(), USAGE_TIMEOUT_S)
      .catch((error) => this.failed("expire usage", error));
  }

  async modelIds(): Promise<string[]> {
    return this.read(() => this.redis.hkeys(this.keys.usage), () => this.local.modelIds());
  }

  async userIds(): Promise<string[]> {
    return this.read(() => this.redis.hkeys(this.keys.users), () => this.local.userIds());
  }

  async isUserActive(userId: string): Promise<boolean> {
    return this.read(
      async () => (await this.redis.hexists(this.keys.users, userId)) === 1,
      () => this.local.isUserActive(userId),
    );
  }

  async sessionUserId(sessionId: string): Promise<string | null> {
    return this.read(
      async () => {
        const raw = await this.redis.hget(this.keys.session, sessionId);
        return raw ? (parseUser(raw)?.id ?? null) : null;
      },
      () => this.local.sessionUserId(sessionId),
    );
  }

  /**
   * Socket ids found in the pools but held by no instance are removed when they are still
   * missing at the next sweep (a socket registered between the two reads is never removed).
   */
  async sweep(liveSids: Set<string>): Promise<void> {
    const [sessionIds, userLists] = await Promise.all([
      this.redis.hkeys(this.keys.session),
      this.redis.hgetall(this.keys.users),
    ]);
    const owners = new Map<string, string>();
    for (const sid of sessionIds) owners.set(sid, "");
    for (const [userId, raw] of Object.entries(userLists)) {
      for (const sid of parseSids(raw)) owners.set(sid, userId);
    }
    const missing = [...owners.keys()].filter((sid) => !liveSids.has(sid));
    const confirmed = missing.filter((sid) => this.suspects.has(sid));
    this.suspects = new Set(missing.filter((sid) => !this.suspects.has(sid)));
    for (const sid of confirmed) {
      await this.redis.owbRemoveSession(this.keys.session, this.keys.users, sid, owners.get(sid) ?? "");
    }
    if (confirmed.length > 0) this.log.info(`removed ${confirmed.length} socket(s) of stopped instances from the pools`);
  }

  /** After (re)connecting: writes this instance's sockets back and applies what failed meanwhile. */
  private async restore(): Promise<void> {
    try {
      for (const [sid, userId] of [...this.pendingRemovals]) {
        await this.redis.owbRemoveSession(this.keys.session, this.keys.users, sid, userId);
        this.pendingRemovals.delete(sid);
      }
      for (const [sid, user] of [...this.local.sessions]) {
        await this.redis.owbAddSession(this.keys.session, this.keys.users, sid, user.id, JSON.stringify(user));
      }
    } catch (error) {
      this.failed("restore the pools", error);
    }
  }

  private async read<T>(fromRedis: () => Promise<T>, fromLocal: () => Promise<T>): Promise<T> {
    if (!this.link.isUp) return fromLocal();
    try {
      return await fromRedis();
    } catch (error) {
      this.failed("read the pools", error);
      return fromLocal();
    }
  }

  private failed(what: string, error: unknown): void {
    this.log.debug(`redis: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseUser(raw: string): SessionUser | null {
  try {
    const value = JSON.parse(raw);
    return value && typeof value.id === "string" ? value : null;
  } catch {
    return null;
  }
}

function parseSids(raw: string): string[] {
  try {
    const value = JSON.parse(raw);
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
  } catch {
    return [];
  }
}
