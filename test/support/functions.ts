// Function rows written straight into the table, for tests of what running them does.
import type { AppContext } from "../../src/context";
import { functionsChanged } from "../../src/functions/changes";

export interface FunctionFields {
  id: string;
  content: string;
  type: "pipe" | "filter" | "action";
  name?: string;
  userId?: string;
  isActive?: boolean;
  isGlobal?: boolean;
  valves?: Record<string, unknown> | null;
  meta?: Record<string, unknown>;
}

export async function insertFunction(ctx: AppContext, fields: FunctionFields): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  await ctx.db.write((tx) =>
    tx.insert(ctx.db.t.fn).values({
      id: fields.id,
      user_id: fields.userId ?? "admin",
      name: fields.name ?? fields.id,
      type: fields.type,
      content: fields.content,
      meta: fields.meta ?? { description: `${fields.id} description`, manifest: {} },
      valves: fields.valves ?? null,
      is_active: fields.isActive ?? true,
      is_global: fields.isGlobal ?? false,
      created_at: now,
      updated_at: now,
    }),
  );
  functionsChanged(ctx);
}
