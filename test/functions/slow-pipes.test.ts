// A manifold whose `pipes()` is slow does not hold the model list up: it is bounded like an
// upstream's model list (AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST), and its last good sub-pipes stay.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { functionsChanged } from "../../src/functions/changes";
import { insertFunction } from "../support/functions";
import { pythonAvailable, pythonEnv } from "../support/python";
import { startWorld, type World } from "../fakes/world";

const SLOW_MANIFOLD = `
import asyncio
from pydantic import BaseModel

class Pipe:
    class Valves(BaseModel):
        DELAY: float = 0

    def __init__(self):
        self.valves = self.Valves()

    async def pipes(self):
        await asyncio.sleep(self.valves.DELAY)
        return [{"id": "x", "name": "X"}]

    def pipe(self, body: dict):
        return "x"
`;

describe.skipIf(!pythonAvailable)("slow manifolds", () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld("sqlite", { env: { ...pythonEnv, AIOHTTP_CLIENT_TIMEOUT_MODEL_LIST: "1", MODELS_CACHE_TTL: "0" } });
  }, 60_000);
  afterAll(async () => {
    await w.close();
  }, 30_000);
  const ids = async () => ((await w.t.request("GET", "/api/models", { token: w.admin.token })).body.data as any[]).map((m) => m.id);
  const setDelay = async (id: string, delay: number) => {
    const { fn } = w.t.ctx.db.t;
    const { eq } = await import("drizzle-orm");
    await w.t.ctx.db.write((tx) => tx.update(fn).set({ valves: { DELAY: delay }, updated_at: Math.floor(Date.now() / 1000) }).where(eq(fn.id, id)));
    functionsChanged(w.t.ctx);
  };

  test("a manifold slower than the limit gives no sub-pipes; the others are listed", async () => {
    await insertFunction(w.t.ctx, { id: "late", type: "pipe", content: SLOW_MANIFOLD, valves: { DELAY: 5 } });
    await insertFunction(w.t.ctx, { id: "quick", type: "pipe", content: SLOW_MANIFOLD });
    let listed = await ids();
    for (let i = 0; i < 50 && !listed.includes("quick.x"); i++) {
      await Bun.sleep(100);
      listed = await ids();
    }
    expect(listed).toContain("quick.x");
    expect(listed).not.toContain("late.x");
  });

  test("once slow, a manifold keeps its last good sub-pipes", async () => {
    await setDelay("quick", 3);
    await Bun.sleep(1_500);
    expect(await ids()).toContain("quick.x");
  });
});
