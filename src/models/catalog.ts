// The model list behind /api/models and every completion: base models of all connections,
// the arena model, and the `model` table's overrides and presets (utils/models.py).
//
// Upstream lists are cached per connection and refreshed in the background, so a slow or dead
// upstream never holds a request up: a request waits only when a connection has never been
// asked (at most COLD_WAIT_MS) or when the caller forces a refresh.
import type { AppContext } from "../context";
import { groupIdsOf, hasAccess } from "../core/access";
import { readUpstreamSettings, type UpstreamSettings, type UserInfo } from "../core/upstream";
import { fetchLoadedModels, fetchOllamaTags, mergeOllamaModels, ollamaBaseItems, expiryToSeconds } from "../ollama/models";
import { ollamaConnections, type OllamaConnection } from "../ollama/connections";
import { openaiConnections, type OpenAIConnection } from "../openai/connections";
import { fetchOpenAIModels, mergeOpenAIModels, type Json } from "../openai/models";
import { listAllModelRows, modelTableFingerprint, type ModelRow } from "./repository";
import { FunctionModels, withActionsAndFilters } from "../functions/model-items";

const COLD_WAIT_MS = 2_000;
const CHECK_INTERVAL_MS = 100;
const ROWS_TTL_MS = 1_000;
const GROUPS_TTL_MS = 1_000;
const RESPONSE_CACHE_SIZE = 500;

export const DEFAULT_ARENA_MODEL = {
  id: "arena-model",
  name: "Arena Model",
  meta: {
    profile_image_url: "/favicon.png",
    description: "Submit your questions to anonymous AI chatbots and vote on the best response.",
    model_ids: null,
  },
};

interface SourceEntry<T> {
  value: T | null;
  /** When the last fetch finished (0 = never). */
  at: number;
  inflight: Promise<void> | null;
  /** A request already waited the cold-start budget for this source: later ones do not. */
  gaveUp: boolean;
}

interface OllamaAnswer {
  tags: Json[] | null;
  loaded: Json[];
}

export interface Assembled {
  list: Json[];
  byId: Map<string, Json>;
}

/** The assembled list with what it was built from and its JSON text per kind of viewer. */
interface Snapshot extends Assembled {
  baseVersion: number;
  rowsVersion: number;
  configVersion: number;
  functionsVersion: number;
  /** "*" for viewers who see everything, else "id|role|groups". */
  bodies: Map<string, string>;
}

export interface CatalogSettings {
  ttlMs: number;
  bypassModelAccess: boolean;
  bypassAdminAccess: boolean;
}

/** Who sees what: admins (with the bypass) see everything; others need a readable model row. */
export interface Viewer {
  id: string;
  role: string;
}

function readCatalogSettings(raw: Record<string, string | undefined>): CatalogSettings {
  const ttl = raw.MODELS_CACHE_TTL ?? "1";
  const seconds = ttl.trim() === "" ? Number.POSITIVE_INFINITY : Number.parseInt(ttl, 10);
  const bypassAdmin = raw.BYPASS_ADMIN_ACCESS_CONTROL ?? raw.ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS ?? "True";
  return {
    ttlMs: Number.isFinite(seconds) || seconds === Number.POSITIVE_INFINITY ? Math.max(0, seconds) * 1000 : 1000,
    bypassModelAccess: (raw.BYPASS_MODEL_ACCESS_CONTROL ?? "").toLowerCase() === "true",
    bypassAdminAccess: bypassAdmin.toLowerCase() === "true",
  };
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref?.());

export class ModelCatalog {
  readonly upstream: UpstreamSettings;
  readonly settings: CatalogSettings;
  private openai = new Map<string, SourceEntry<Json[]>>();
  private ollama = new Map<string, SourceEntry<OllamaAnswer>>();
  private baseVersion = 0;
  private configVersion = 0;
  private rows: ModelRow[] = [];
  private rowsById = new Map<string, ModelRow>();
  private rowsAt = 0;
  private rowsFingerprint = "";
  private rowsVersion = 0;
  private rowsDirty = true;
  private rowsLoading: Promise<void> | null = null;
  private assembled: Snapshot | null = null;
  private groups = new Map<string, { ids: string[]; at: number }>();
  /** Pipes, actions and filters of the `function` table. */
  readonly functions: FunctionModels;

  constructor(private readonly ctx: AppContext) {
    this.upstream = readUpstreamSettings(ctx.env.raw);
    this.settings = readCatalogSettings(ctx.env.raw);
    this.functions = new FunctionModels(ctx, () => this.ttl(), this.upstream.modelListTimeoutMs);
    ctx.config.onChange((changed) => {
      const keys = Object.keys(changed);
      if (keys.some((k) => /^(ENABLE_OPENAI_API|OPENAI_|ENABLE_OLLAMA_API|OLLAMA_|ENABLE_EVALUATION_ARENA_MODELS|EVALUATION_ARENA_MODELS|MODEL_ORDER_LIST|ENABLE_BASE_MODELS_CACHE)/.test(k))) {
        this.configVersion++;
      }
    });
  }

  /** After a write to the `model` table: the next read reloads the rows. */
  invalidateRows(): void {
    this.rowsDirty = true;
  }

  private ttl(): number {
    return this.ctx.config.get("ENABLE_BASE_MODELS_CACHE") ? Number.POSITIVE_INFINITY : this.settings.ttlMs;
  }

  private openaiKey(c: OpenAIConnection): string {
    return `${c.idx}|${c.url}|${c.key}|${c.configured}|${JSON.stringify(c.config)}`;
  }

  private ollamaKey(c: OllamaConnection): string {
    return `${c.idx}|${c.url}|${c.key}|${JSON.stringify(c.config)}`;
  }

  /** Starts fetches that are due; resolves when the ones that must be awaited are done. */
  private async refreshBase(force: boolean, user: UserInfo | null): Promise<void> {
    const now = Date.now();
    const ttl = this.ttl();
    const waits: Promise<void>[] = [];
    const cold: SourceEntry<unknown>[] = [];
    const plan = <T>(map: Map<string, SourceEntry<T>>, key: string, fetcher: () => Promise<T | null>) => {
      let entry = map.get(key);
      if (!entry) {
        entry = { value: null, at: 0, inflight: null, gaveUp: false };
        map.set(key, entry);
      }
      const due = force || entry.at === 0 || now - entry.at >= ttl;
      if (due && !entry.inflight) {
        const target = entry;
        target.inflight = fetcher()
          .catch(() => null)
          .then((value) => {
            target.value = value;
            target.at = Date.now();
            target.inflight = null;
            this.baseVersion++;
          });
      }
      if (entry.inflight && force) waits.push(entry.inflight);
      else if (entry.inflight && entry.at === 0 && !entry.gaveUp) cold.push(entry);
    };
    if (this.ctx.config.get("ENABLE_OPENAI_API")) {
      for (const c of openaiConnections(this.ctx)) {
        if (c.enabled) plan(this.openai, this.openaiKey(c), () => fetchOpenAIModels(this.upstream, c, user));
      }
    }
    if (this.ctx.config.get("ENABLE_OLLAMA_API")) {
      const all = ollamaConnections(this.ctx);
      for (const c of all) {
        if (!c.enabled) continue;
        plan(this.ollama, this.ollamaKey(c), async () => {
          const [tags, loaded] = await Promise.all([
            fetchOllamaTags(this.upstream, c, user),
            fetchLoadedModels(this.upstream, [c], user),
          ]);
          return { tags, loaded };
        });
      }
    }
    if (waits.length) await Promise.all(waits);
    if (cold.length) {
      const arrived = await Promise.race([Promise.all(cold.map((e) => e.inflight)).then(() => true), sleep(COLD_WAIT_MS).then(() => false)]);
      if (!arrived) for (const entry of cold) if (entry.at === 0) entry.gaveUp = true;
    }
  }

  private memo = new Map<string, { key: string; value: unknown }>();

  /** A value derived from the caches, recomputed only when they (or the settings) change. */
  private derived<T>(name: string, compute: () => T): T {
    const key = `${this.baseVersion}:${this.configVersion}`;
    const hit = this.memo.get(name);
    if (hit && hit.key === key) return hit.value as T;
    const value = compute();
    this.memo.set(name, { key, value });
    return value;
  }

  /** OpenAI items of every enabled connection, from the cache. */
  openaiItems(): Json[] {
    return this.derived("openai", () => this.computeOpenaiItems());
  }

  /** The OpenAI item with this id (OPENAI_MODELS of the reference). */
  openaiItem(id: string): Json | undefined {
    return this.derived("openaiById", () => new Map(this.openaiItems().map((m) => [m.id as string, m]))).get(id);
  }

  /** The merged Ollama model with this name (OLLAMA_MODELS of the reference). */
  ollamaModel(name: string): Json | undefined {
    return this.derived("ollamaById", () => new Map(this.ollamaModels().map((m) => [m.model as string, m]))).get(name);
  }

  private computeOpenaiItems(): Json[] {
    if (!this.ctx.config.get("ENABLE_OPENAI_API")) return [];
    const answers = openaiConnections(this.ctx).map((connection) => ({
      connection,
      models: connection.enabled ? (this.openai.get(this.openaiKey(connection))?.value ?? null) : null,
    }));
    return mergeOpenAIModels(answers);
  }

  /** Merged Ollama models (the /ollama/api/tags shape), from the cache. */
  ollamaModels(): Json[] {
    return this.derived("ollama", () => this.computeOllamaModels());
  }

  private computeOllamaModels(): Json[] {
    if (!this.ctx.config.get("ENABLE_OLLAMA_API")) return [];
    const answers = ollamaConnections(this.ctx).map((connection) => {
      const value = connection.enabled ? this.ollama.get(this.ollamaKey(connection))?.value : null;
      return { connection, models: value?.tags ?? null, loaded: value?.loaded ?? [] };
    });
    const merged = mergeOllamaModels(answers);
    const expiries = new Map<string, number>();
    for (const { loaded } of answers) {
      for (const m of loaded) {
        const seconds = expiryToSeconds(m.expires_at);
        if (typeof m.model === "string" && seconds !== undefined) expiries.set(m.model, seconds);
      }
    }
    return merged.map((m) => {
      const expires = expiries.get(m.model as string);
      return expires === undefined ? m : { ...m, expires_at: expires };
    });
  }

  /** get_all_base_models: pipes, OpenAI, then Ollama. */
  async baseModels(options: { force?: boolean; user?: UserInfo | null } = {}): Promise<Json[]> {
    await Promise.all([this.refreshBase(options.force ?? false, options.user ?? null), this.functions.refresh(options.force)]);
    return this.allBaseItems();
  }

  private allBaseItems(): Json[] {
    return [...this.functions.snapshot.pipeModels, ...this.baseItems()];
  }

  private baseItems(): Json[] {
    return [...this.openaiItems(), ...ollamaBaseItems(this.ollamaModels(), Math.floor(Date.now() / 1000))];
  }

  private checkedAt = 0;
  private checkedConfig = -1;

  /** Makes sure the upstream caches are warm (waiting like a list request would). */
  async ensureFresh(options: { force?: boolean; user?: UserInfo | null } = {}): Promise<void> {
    if (!options.force && this.checkedRecently()) return;
    this.checkedAt = Date.now();
    this.checkedConfig = this.configVersion;
    await Promise.all([this.refreshBase(options.force ?? false, options.user ?? null), this.loadRows(), this.functions.refresh(options.force)]);
  }

  /**
   * Busy servers ask many times a second; the caches are looked at no more than every
   * CHECK_INTERVAL_MS unless something changed here.
   */
  private checkedRecently(): boolean {
    return !this.rowsDirty && !this.functions.stale && this.checkedConfig === this.configVersion && Date.now() - this.checkedAt < CHECK_INTERVAL_MS;
  }

  private async loadRows(): Promise<void> {
    const stale = Date.now() - this.rowsAt >= ROWS_TTL_MS;
    if (!this.rowsDirty && !stale) return;
    const mustWait = this.rowsDirty || this.rowsAt === 0;
    if (!this.rowsLoading) {
      const dirty = this.rowsDirty;
      this.rowsDirty = false;
      this.rowsLoading = (async () => {
        try {
          const fingerprint = await modelTableFingerprint(this.ctx.db);
          if (dirty || fingerprint !== this.rowsFingerprint) {
            this.rows = await listAllModelRows(this.ctx.db);
            this.rowsById = new Map(this.rows.map((r) => [r.id, r]));
            this.rowsFingerprint = fingerprint;
            this.rowsVersion++;
          }
          this.rowsAt = Date.now();
        } catch (error) {
          if (dirty) this.rowsDirty = true;
          this.ctx.log.warn("could not read the model table", error);
        } finally {
          this.rowsLoading = null;
        }
      })();
    }
    if (mustWait) await this.rowsLoading;
  }

  /** The full list (app.state.MODELS of the reference), before access filtering. */
  async models(options: { force?: boolean; user?: UserInfo | null } = {}): Promise<Assembled> {
    await this.ensureFresh(options);
    return this.current();
  }

  /** The list as last assembled, without waiting for upstreams. */
  current(): Snapshot {
    const last = this.assembled;
    const functionsVersion = this.functions.version;
    if (
      last &&
      last.baseVersion === this.baseVersion &&
      last.rowsVersion === this.rowsVersion &&
      last.configVersion === this.configVersion &&
      last.functionsVersion === functionsVersion
    ) {
      return last;
    }
    const list = this.assemble();
    this.assembled = {
      list,
      byId: new Map(list.map((m) => [m.id as string, m])),
      baseVersion: this.baseVersion,
      rowsVersion: this.rowsVersion,
      configVersion: this.configVersion,
      functionsVersion,
      bodies: new Map(),
    };
    return this.assembled;
  }

  rowById(id: string): ModelRow | undefined {
    return this.rowsById.get(id);
  }

  /** The model row with this id, waiting only if the table changed here and was not reread yet. */
  async freshRow(id: string): Promise<ModelRow | undefined> {
    await this.loadRows();
    return this.rowsById.get(id);
  }

  private assemble(): Json[] {
    const models: Json[] = this.allBaseItems().map((m) => ({ ...m }));
    if (models.length === 0) return [];
    if (this.ctx.config.get("ENABLE_EVALUATION_ARENA_MODELS")) models.push(...this.arenaItems());
    const ids = new Set(models.map((m) => m.id));
    const removed = new Set<Json>();
    for (const row of this.rows) {
      if (row.base_model_id === null) {
        for (const model of models) {
          const matches =
            row.id === model.id || (model.owned_by === "ollama" && row.id === String(model.id).split(":")[0]);
          if (!matches) continue;
          if (row.is_active) {
            model.name = row.name;
            model.info = row;
          } else removed.add(model);
        }
      } else if (row.is_active && !ids.has(row.id)) {
        const base = models.find((m) => row.base_model_id === m.id || row.base_model_id === String(m.id).split(":")[0]);
        models.push({
          id: row.id,
          name: row.name,
          object: "model",
          created: row.created_at,
          owned_by: base ? (base.owned_by ?? "unknown owner") : "openai",
          info: row,
          preset: true,
          ...(base && "pipe" in base ? { pipe: base.pipe } : {}),
        });
        ids.add(row.id);
      }
    }
    const kept = removed.size ? models.filter((m) => !removed.has(m)) : models;
    const order = this.ctx.config.get("MODEL_ORDER_LIST") ?? [];
    const shaped = kept
      .filter((m) => !(isRecord(m.pipeline) && m.pipeline.type === "filter"))
      .map((m): Json => ({ ...m, tags: normalizedTags(m) }));
    if (Array.isArray(order) && order.length > 0) {
      const rank = new Map(order.map((id, i) => [id, i]));
      shaped.sort((a, b) => {
        const ra = rank.get(a.id as string) ?? Number.POSITIVE_INFINITY;
        const rb = rank.get(b.id as string) ?? Number.POSITIVE_INFINITY;
        if (ra !== rb) return ra < rb ? -1 : 1;
        const na = String(a.name ?? "");
        const nb = String(b.name ?? "");
        return na < nb ? -1 : na > nb ? 1 : 0;
      });
    }
    return withActionsAndFilters(shaped, this.functions.snapshot);
  }

  private arenaItems(): Json[] {
    const configured = this.ctx.config.get("EVALUATION_ARENA_MODELS");
    const arenas = Array.isArray(configured) && configured.length > 0 ? (configured as Json[]) : [DEFAULT_ARENA_MODEL];
    const created = Math.floor(Date.now() / 1000);
    return arenas.map((a) => ({
      id: a.id,
      name: a.name,
      info: { meta: a.meta },
      object: "model",
      created,
      owned_by: "arena",
      arena: true,
    }));
  }

  /** Whether the viewer may use the model (check_model_access of the reference). */
  async canUse(viewer: Viewer, model: Json): Promise<boolean> {
    if (!this.filters(viewer)) return true;
    await this.loadRows();
    return this.visibleTo(viewer, model, await this.groupIds(viewer.id));
  }

  /** True when the viewer's model list is filtered (users; admins only without the bypass). */
  filters(viewer: Viewer): boolean {
    if (this.settings.bypassModelAccess) return false;
    return viewer.role === "user" || (viewer.role === "admin" && !this.settings.bypassAdminAccess);
  }

  visibleTo(viewer: Viewer, model: Json, groupIds: string[]): boolean {
    if (model.arena) {
      const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
      const control = "access_control" in meta ? meta.access_control : {};
      return hasAccess(viewer.id, groupIds, "read", control);
    }
    const row = this.rowsById.get(model.id as string);
    if (!row) return false;
    if (viewer.role === "admin" && this.settings.bypassAdminAccess) return true;
    return row.user_id === viewer.id || hasAccess(viewer.id, groupIds, "read", row.access_control);
  }

  async groupIds(userId: string): Promise<string[]> {
    const cached = this.cachedGroupIds(userId);
    if (cached) return cached;
    const ids = await groupIdsOf(this.ctx.db, userId);
    if (this.groups.size > 10_000) this.groups.clear();
    this.groups.set(userId, { ids, at: Date.now() });
    return ids;
  }

  private cachedGroupIds(userId: string): string[] | undefined {
    const cached = this.groups.get(userId);
    return cached && Date.now() - cached.at < GROUPS_TTL_MS ? cached.ids : undefined;
  }

  /** Filters any list of items by the same rule, for routes that list one family. */
  async visibleItems<T extends Json>(viewer: Viewer, items: T[], idOf: (item: T) => string): Promise<T[]> {
    if (!this.filters(viewer)) return items;
    await this.loadRows();
    const groupIds = await this.groupIds(viewer.id);
    return items.filter((item) => {
      const row = this.rowsById.get(idOf(item));
      return Boolean(row && (row.user_id === viewer.id || hasAccess(viewer.id, groupIds, "read", row.access_control)));
    });
  }

  /**
   * GET /api/models: the viewer's list as JSON text, kept until anything it depends on changes.
   * When nothing needs a look (nearly every call) it comes back at once, without an await.
   */
  listJson(viewer: Viewer, options: { force?: boolean; user?: UserInfo | null } = {}): string | Promise<string> {
    if (!options.force && this.checkedRecently()) {
      const snapshot = this.current();
      const groupIds = this.filters(viewer) ? this.cachedGroupIds(viewer.id) : [];
      const body = groupIds && snapshot.bodies.get(this.viewerKey(viewer, groupIds));
      if (body) return body;
    }
    return this.buildListJson(viewer, options);
  }

  private async buildListJson(viewer: Viewer, options: { force?: boolean; user?: UserInfo | null }): Promise<string> {
    await this.ensureFresh(options);
    const snapshot = this.current();
    const filtered = this.filters(viewer);
    const groupIds = filtered ? await this.groupIds(viewer.id) : [];
    const key = this.viewerKey(viewer, groupIds);
    const cached = snapshot.bodies.get(key);
    if (cached !== undefined) return cached;
    const data = filtered ? snapshot.list.filter((m) => this.visibleTo(viewer, m, groupIds)) : snapshot.list;
    const body = JSON.stringify({ data });
    if (snapshot.bodies.size >= RESPONSE_CACHE_SIZE) snapshot.bodies.clear();
    snapshot.bodies.set(key, body);
    return body;
  }

  /** Viewers who see the same list share a key. */
  private viewerKey(viewer: Viewer, groupIds: string[]): string {
    return this.filters(viewer) ? `${viewer.id}|${viewer.role}|${groupIds.join(",")}` : "*";
  }
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Tags of the row's meta and of the connection, as [{name}] without repeats. */
function normalizedTags(model: Json): { name: unknown }[] {
  const names: unknown[] = [];
  const add = (list: unknown) => {
    if (!Array.isArray(list)) return;
    for (const tag of list) {
      const name = isRecord(tag) ? tag.name : undefined;
      if (!names.includes(name)) names.push(name);
    }
  };
  const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
  add(meta.tags);
  add(model.tags);
  return names.map((name) => ({ name }));
}

const catalogs = new WeakMap<AppContext, ModelCatalog>();

/** One catalog per application context, shared by every route that needs the model list. */
export function catalogFor(ctx: AppContext): ModelCatalog {
  let catalog = catalogs.get(ctx);
  if (!catalog) {
    catalog = new ModelCatalog(ctx);
    catalogs.set(ctx, catalog);
  }
  return catalog;
}
