// The HTTP routes that read the socket pools: who is online and which models are in use.
import { Elysia } from "elysia";
import { authGuard } from "../core/auth";
import type { AppContext } from "../context";

export function realtimeRoutes(ctx: AppContext) {
  return new Elysia({ name: "realtime-routes" })
    .use(authGuard(ctx))
    .get(
      "/api/usage",
      async () => {
        const [model_ids, user_ids] = await Promise.all([ctx.usage.modelIds(), ctx.usage.userIds()]);
        return { model_ids, user_ids };
      },
      { auth: "verified" },
    )
    .get("/api/v1/users/active", async () => ({ user_ids: await ctx.usage.userIds() }), { auth: "verified" })
    .get(
      "/api/v1/users/:user_id/active",
      async ({ params }) => ({ active: await ctx.usage.isUserActive(params.user_id) }),
      { auth: "verified" },
    );
}
