// The three user-valves routes that functions and tools share (`/id/{id}/valves/user`, its
// `/spec` and `/update`): any verified user reads and sets their own valves for a plugin, kept in
// their settings; the plugin's `UserValves` class gives the schema and validates.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { findUserById } from "../users/repository";
import { ValvesBody } from "./forms";
import { storeUserValves, userValvesOf, type ValvesArea } from "./plugins";
import type { PluginInfo } from "./python/runtime";

export interface UserValvesPlugin<Row extends { id: string }> {
  /** The stored plugin; throws the router's not-found answer. */
  find(id: string): Promise<Row>;
  load(row: Row): Promise<PluginInfo>;
  /** Validates with the plugin's `UserValves`; throws a 400 with its complaint. */
  validate(row: Row, data: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export function userValvesRoutes<Row extends { id: string }>(ctx: AppContext, area: ValvesArea, plugin: UserValvesPlugin<Row>) {
  const detail = { tags: [area] };
  return new Elysia({ name: `${area}-user-valves` })
    .use(authGuard(ctx))
    .get(
      "/id/:id/valves/user",
      async ({ user, params }) => {
        const row = await plugin.find(params.id);
        // The signed-in user's row may be a cached copy; the settings are read afresh.
        return userValvesOf((await findUserById(ctx.db, user.id)) ?? user, area, row.id);
      },
      { auth: "verified", detail },
    )
    .get("/id/:id/valves/user/spec", async ({ params }) => (await plugin.load(await plugin.find(params.id))).user_valves_spec, {
      auth: "verified",
      detail,
    })
    .post(
      "/id/:id/valves/user/update",
      async ({ user, params, body }) => {
        const row = await plugin.find(params.id);
        if (!(await plugin.load(row)).has_user_valves) throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        const valves = await plugin.validate(row, body);
        await storeUserValves(ctx, user.id, area, row.id, valves);
        return valves;
      },
      { auth: "verified", body: ValvesBody, detail },
    );
}
