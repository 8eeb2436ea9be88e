// What functions (pipes, filters, actions) and tools share: the Python runtime of the app, their
// sources as the runner takes them, and where their valves are kept — a plugin's own in its row's
// `valves` column, a user's in their settings under `functions.valves.<id>` or `tools.valves.<id>`.
import type { AppContext } from "../context";
import { mergeUserJson } from "../users/repository";
import type { UserRow } from "../users/repository";
import { PythonRuntime, type PluginSource } from "./python/runtime";

const runtimes = new WeakMap<AppContext, PythonRuntime>();

/** The app's Python runtime (its process starts on the first call). */
export function pythonRuntime(ctx: AppContext): PythonRuntime {
  let runtime = runtimes.get(ctx);
  if (!runtime) {
    runtime = new PythonRuntime(ctx.env, ctx.log);
    runtimes.set(ctx, runtime);
  }
  return runtime;
}

export function stopPythonRuntime(ctx: AppContext): void {
  runtimes.get(ctx)?.stop();
  runtimes.delete(ctx);
}

const IMPORT_REPLACEMENTS: [string, string][] = [
  ["from utils", "from open_webui.utils"],
  ["from apps", "from open_webui.apps"],
  ["from main", "from open_webui.main"],
  ["from config", "from open_webui.config"],
];

/** Old plugins import Open WebUI's modules by their former names; they are rewritten on save. */
export function replaceImports(content: string): string {
  return IMPORT_REPLACEMENTS.reduce((text, [from, to]) => text.replaceAll(from, to), content);
}

export const functionSource = (row: { id: string; content: string }): PluginSource => ({ kind: "function", id: row.id, content: row.content });
export const toolSource = (row: { id: string; content: string }): PluginSource => ({ kind: "tool", id: row.id, content: row.content });

export type ValvesArea = "functions" | "tools";

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** The user's valves for one plugin ({} when none are stored). */
export function userValvesOf(user: Pick<UserRow, "settings">, area: ValvesArea, id: string): Record<string, unknown> {
  return asRecord(asRecord(asRecord(asRecord(user.settings)[area]).valves)[id]);
}

/** Stores the user's valves for one plugin, leaving the rest of their settings as they are. */
export async function storeUserValves(ctx: AppContext, userId: string, area: ValvesArea, id: string, valves: Record<string, unknown>): Promise<void> {
  await mergeUserJson(ctx.db, userId, "settings", (settings) => {
    const section = asRecord(settings[area]);
    return { ...settings, [area]: { ...section, valves: { ...asRecord(section.valves), [id]: valves } } };
  });
  // The next chat here must see them, not the signed-in user's cached row.
  ctx.auth.forget(userId);
}

/** A row's stored valves ({} when none). */
export const storedValves = (valves: unknown): Record<string, unknown> => asRecord(valves);
