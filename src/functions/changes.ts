// Writes to the `function` table tell the parts that keep derived state (the model list's pipe
// models, actions and filters) to look again. Other instances notice by reading the table.
import type { AppContext } from "../context";

const listeners = new WeakMap<AppContext, Set<() => void>>();

export function onFunctionsChanged(ctx: AppContext, listener: () => void): void {
  let set = listeners.get(ctx);
  if (!set) listeners.set(ctx, (set = new Set()));
  set.add(listener);
}

/** Call after any write to the `function` table. */
export function functionsChanged(ctx: AppContext): void {
  for (const listener of listeners.get(ctx) ?? []) listener();
}
