// What the `function` table adds to the model list (get_function_models and the actions and
// filters of get_all_models): pipes become models (a manifold's `pipes` gives several), and each
// model lists the actions and toggleable filters that apply to it.
//
// The list is rebuilt from the table and the loaded modules, in the background like the
// upstream lists: after a write here at once, after a write elsewhere when the table changes,
// and for manifolds (whose `pipes` may ask a remote service) when the upstream lists expire.
import type { AppContext } from "../context";
import { onFunctionsChanged } from "./changes";
import { functionSource, pythonRuntime, storedValves } from "./plugins";
import type { PluginInfo } from "./python/runtime";
import { functionTableFingerprint, listFunctions, type FunctionRow } from "./repository";
import { isRecord, type Json } from "../chat/payload";


export interface FunctionsSnapshot {
  rows: FunctionRow[];
  /** Loaded modules of the active functions, by id (a module that fails to load is left out). */
  infos: Map<string, PluginInfo>;
  pipeModels: Json[];
}

const EMPTY: FunctionsSnapshot = { rows: [], infos: new Map(), pipeModels: [] };
const TABLE_CHECK_MS = 1_000;
/** A list request waits no longer for a rebuild (the first one may set up Python). */
const MAX_WAIT_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms).unref?.());
export class FunctionModels {
  snapshot: FunctionsSnapshot = EMPTY;
  /** Bumped whenever the snapshot changes. */
  version = 0;
  private dirty = true;
  private builtAt = 0;
  private checkedAt = 0;
  private fingerprint = "";
  private building: Promise<void> | null = null;

  /** Each manifold's last good sub-pipes, kept when its `pipes` fails or takes too long. */
  private lastSubPipes = new Map<string, Json[]>();

  constructor(
    private readonly ctx: AppContext,
    private readonly ttlMs: () => number,
    private readonly pipesTimeoutMs: number | null,
  ) {
    onFunctionsChanged(ctx, () => (this.dirty = true));
  }

  /** A write here was not picked up yet. */
  get stale(): boolean {
    return this.dirty;
  }

  /**
   * Waits for a rebuild (at most MAX_WAIT_MS) only when nothing was built yet or a write here
   * made it stale; otherwise the snapshot is served and refreshed in the background.
   */
  async refresh(force = false): Promise<void> {
    const now = Date.now();
    const mustWait = force || this.dirty || this.builtAt === 0;
    const manifoldsExpired = this.hasManifolds() && now - this.builtAt >= this.ttlMs();
    const tableDue = now - this.checkedAt >= TABLE_CHECK_MS;
    if (!mustWait && !manifoldsExpired && !tableDue) return;
    if (!this.building) {
      const rebuild = mustWait || manifoldsExpired;
      this.dirty = false;
      this.building = this.update(rebuild).finally(() => (this.building = null));
    }
    if (mustWait) await Promise.race([this.building, sleep(MAX_WAIT_MS)]);
  }

  private hasManifolds(): boolean {
    return [...this.snapshot.infos.values()].some((info) => info.type === "pipe" && info.has_pipes);
  }

  private async update(rebuild: boolean): Promise<void> {
    try {
      this.checkedAt = Date.now();
      const fingerprint = await functionTableFingerprint(this.ctx.db);
      if (!rebuild && fingerprint === this.fingerprint) return;
      const rows = await listFunctions(this.ctx.db);
      this.snapshot = await this.build(rows);
      this.fingerprint = fingerprint;
      this.builtAt = Date.now();
      this.version++;
    } catch (error) {
      this.dirty = true;
      this.ctx.log.warn("could not read the functions", error);
    }
  }

  /** Loads the active functions side by side; pipe models keep the table's order. */
  private async build(rows: FunctionRow[]): Promise<FunctionsSnapshot> {
    const infos = new Map<string, PluginInfo>();
    const loaded = await Promise.all(
      rows
        .filter((row) => row.is_active)
        .map(async (row) => {
          try {
            const info = await pythonRuntime(this.ctx).load(functionSource(row));
            infos.set(row.id, info);
            return row.type === "pipe" ? this.pipeItems(row, info) : [];
          } catch (error) {
            this.ctx.log.warn(`function ${row.id} could not be loaded`, error instanceof Error ? error.message : error);
            return [];
          }
        }),
    );
    return { rows, infos, pipeModels: loaded.flat() };
  }

  private async pipeItems(row: FunctionRow, info: PluginInfo): Promise<Json[]> {
    const base = { object: "model", created: row.created_at, owned_by: "openai", pipe: { type: "pipe" }, has_user_valves: info.has_user_valves };
    if (!info.has_pipes) return [{ id: row.id, name: row.name, ...base }];
    const subPipes = await this.subPipes(row);
    return subPipes.map((sub) => ({
      id: `${row.id}.${String(sub.id)}`,
      name: `${info.name ?? ""}${String(sub.name)}`,
      ...base,
      pipe: { type: row.type },
    }));
  }

  /** A manifold's `pipes()`, bounded like an upstream's model list. */
  private async subPipes(row: FunctionRow): Promise<Json[]> {
    const abort = new AbortController();
    const timer = this.pipesTimeoutMs === null ? null : setTimeout(() => abort.abort(), this.pipesTimeoutMs);
    try {
      const answer = await pythonRuntime(this.ctx).call(functionSource(row), { method: "pipes", args: {}, valves: storedValves(row.valves), signal: abort.signal });
      const subPipes = Array.isArray(answer) ? answer.filter(isRecord) : [];
      this.lastSubPipes.set(row.id, subPipes);
      return subPipes;
    } catch (error) {
      this.ctx.log.warn(`the pipes of function ${row.id} failed`, error instanceof Error ? error.message : error);
      return this.lastSubPipes.get(row.id) ?? [];
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}

/** The actions and filters shown with each model (the tail of get_all_models). */
export function withActionsAndFilters(models: Json[], snapshot: FunctionsSnapshot): Json[] {
  const active = (type: string) => snapshot.rows.filter((r) => r.type === type && r.is_active && snapshot.infos.has(r.id));
  const actions = active("action");
  const filters = active("filter");
  const globalActions = actions.filter((r) => r.is_global).map((r) => r.id);
  const globalFilters = filters.filter((r) => r.is_global).map((r) => r.id);
  const byId = new Map(snapshot.rows.map((r) => [r.id, r]));
  return models.map((model) => {
    const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
    const actionIds = unique([...idsIn(meta.actionIds), ...globalActions]).filter((id) => actions.some((r) => r.id === id));
    const filterIds = unique([...idsIn(meta.filterIds), ...globalFilters]).filter((id) => filters.some((r) => r.id === id));
    return {
      ...model,
      actions: actionIds.flatMap((id) => actionItems(byId.get(id) as FunctionRow, snapshot.infos.get(id) as PluginInfo)),
      filters: filterIds.flatMap((id) => filterItems(byId.get(id) as FunctionRow, snapshot.infos.get(id) as PluginInfo)),
    };
  });
}

/** Ids a model row names in `actionIds` / `filterIds` (only workspace models carry them). */
function idsIn(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
}

const unique = (ids: string[]) => [...new Set(ids)];

function metaOf(row: FunctionRow): { description: unknown; manifest: Json } {
  const meta = isRecord(row.meta) ? row.meta : {};
  return { description: meta.description ?? null, manifest: isRecord(meta.manifest) ? meta.manifest : {} };
}

function iconOf(row: FunctionRow, info: PluginInfo): unknown {
  return metaOf(row).manifest.icon_url || info.icon || null;
}

function actionItems(row: FunctionRow, info: PluginInfo): Json[] {
  const { description } = metaOf(row);
  if (!info.actions) return [{ id: row.id, name: row.name, description, icon: iconOf(row, info) }];
  return info.actions.filter(isRecord).map((action) => ({
    id: `${row.id}.${String(action.id)}`,
    name: action.name ?? `${row.name} (${String(action.id)})`,
    description,
    icon: "icon_url" in action ? action.icon_url : iconOf(row, info),
  }));
}

function filterItems(row: FunctionRow, info: PluginInfo): Json[] {
  if (!info.toggle) return [];
  return [{ id: row.id, name: row.name, description: metaOf(row).description, icon: iconOf(row, info), has_user_valves: info.has_user_valves }];
}
