// GET/POST /api/v1/users/default/permissions read and write the USER_PERMISSIONS tree through
// Open WebUI's pydantic model, whose own defaults fill keys the stored tree lacks (note: its
// `sharing` defaults are true, unlike the environment's).
import { t } from "elysia";
import type { PermissionTree } from "../core/permissions";

const MODEL_DEFAULTS: PermissionTree = {
  workspace: { models: false, knowledge: false, prompts: false, tools: false },
  sharing: { public_models: true, public_knowledge: true, public_prompts: true, public_tools: true, public_notes: true },
  chat: {
    controls: true, valves: true, system_prompt: true, params: true, file_upload: true, delete: true,
    delete_message: true, continue_response: true, regenerate_response: true, rate_response: true, edit: true,
    share: true, export: true, stt: true, tts: true, call: true, multiple_models: true, temporary: true,
    temporary_enforced: false,
  },
  features: { direct_tool_servers: false, web_search: true, image_generation: true, code_interpreter: true, notes: true },
};

const section = (name: keyof typeof MODEL_DEFAULTS) =>
  t.Object(
    Object.fromEntries(Object.keys(MODEL_DEFAULTS[name] as object).map((key) => [key, t.Optional(t.Boolean())])),
  );

export const PermissionsBody = t.Object({
  workspace: section("workspace"),
  sharing: section("sharing"),
  chat: section("chat"),
  features: section("features"),
});

/** The four known sections, each key from `stored` or else the model's default. */
export function permissionsWithFallbacks(stored: Record<string, Record<string, boolean | undefined>>): PermissionTree {
  const result: PermissionTree = {};
  for (const [name, defaults] of Object.entries(MODEL_DEFAULTS)) {
    const given = stored[name] ?? {};
    result[name] = Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, given[key] ?? value]));
  }
  return result;
}
