// POST /api/chat/actions/{action_id} (chat_action): the button under a reply runs the action
// function's `action(body, ...)`; `<function id>.<sub-action id>` picks one of a function's
// several actions (its `__id__`). The frontend takes `messages` of the answer into the chat.
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import type { ModelCatalog } from "../models/catalog";
import { chatRuntime } from "../chat/ports";
import type { UserRow } from "../users/repository";
import { toUserModel } from "../users/views";
import { pluginEvents } from "./plugin-events";
import { functionSource, pythonRuntime, storedValves, userValvesOf } from "./plugins";
import { findFunction } from "./repository";
import { isRecord, type Json } from "../chat/payload";

export async function runChatAction(ctx: AppContext, catalog: ModelCatalog, actionId: string, body: Json, user: UserRow): Promise<unknown> {
  const modelItem = isRecord(body.model_item) ? body.model_item : {};
  delete body.model_item;
  const [functionId, subActionId] = actionId.split(".", 2) as [string, string | undefined];
  const row = await findFunction(ctx.db, functionId);
  if (!row || row.type !== "action") throw new HttpError(400, `Action not found: ${functionId}`);
  const { byId } = await catalog.models({ user });
  // A direct connection's model is known only to the browser that sends it.
  const direct = Boolean(modelItem.direct) && modelItem.id === body.model;
  const model = direct ? modelItem : byId.get(String(body.model));
  if (!model || !(direct || (await catalog.canUse(user, model)))) throw new HttpError(400, "Model not found");
  const target = { user_id: user.id, chat_id: body.chat_id, message_id: body.id, session_id: body.session_id };
  try {
    return await pythonRuntime(ctx).call(functionSource(row), {
      method: "action",
      args: { body },
      extras: { __model__: model, __id__: subActionId ?? functionId, __user__: toUserModel(user) },
      valves: storedValves(row.valves),
      userValves: userValvesOf(user, "functions", functionId),
      events: pluginEvents(ctx, target, chatRuntime(ctx)?.emit),
    });
  } catch (error) {
    throw new HttpError(400, `Error: ${error instanceof Error ? error.message : String(error)}`);
  }
}
