// Deleting a knowledge base also takes it out of every workspace model's `meta.knowledge`.
import { eq } from "drizzle-orm";
import type { AppContext } from "../context";

export async function removeFromModels(ctx: AppContext, knowledgeId: string): Promise<void> {
  const { model } = ctx.db.t;
  const rows = await ctx.db.read.select({ id: model.id, meta: model.meta }).from(model);
  for (const row of rows) {
    const meta = row.meta as Record<string, unknown> | null;
    const list = meta?.knowledge;
    if (!Array.isArray(list)) continue;
    const kept = list.filter((k) => !(k && typeof k === "object" && (k as { id?: unknown }).id === knowledgeId));
    if (kept.length === list.length) continue;
    await ctx.db.write((tx) =>
      tx.update(model).set({ meta: { ...meta, knowledge: kept }, updated_at: Math.floor(Date.now() / 1000) }).where(eq(model.id, row.id)),
    );
  }
}
