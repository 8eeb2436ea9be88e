// The USER_PERMISSIONS tree: defaults from the environment, and the "most permissive wins"
// merge with a user's groups (utils/access_control.py in the reference).
import { parseBool, type Source } from "./env";

export type PermissionTree = Record<string, Record<string, boolean>>;

const CHAT_KEYS_ON = [
  "controls", "valves", "system_prompt", "params", "file_upload", "delete", "delete_message",
  "continue_response", "regenerate_response", "rate_response", "edit", "share", "export",
  "stt", "tts", "call", "multiple_models", "temporary",
];

/** DEFAULT_USER_PERMISSIONS of the reference, each leaf seeded from USER_PERMISSIONS_* variables. */
export function defaultPermissions(source: Source): PermissionTree {
  const flag = (name: string, fallback: boolean) => parseBool(source, `USER_PERMISSIONS_${name}`, fallback);
  const workspace = ["models", "knowledge", "prompts", "tools"];
  return {
    workspace: Object.fromEntries(workspace.map((k) => [k, flag(`WORKSPACE_${k.toUpperCase()}_ACCESS`, false)])),
    sharing: {
      ...Object.fromEntries(
        workspace.map((k) => [`public_${k}`, flag(`WORKSPACE_${k.toUpperCase()}_ALLOW_PUBLIC_SHARING`, false)]),
      ),
      public_notes: flag("NOTES_ALLOW_PUBLIC_SHARING", false),
    },
    chat: {
      ...Object.fromEntries(CHAT_KEYS_ON.map((k) => [k, flag(`CHAT_${k.toUpperCase()}`, true)])),
      temporary_enforced: flag("CHAT_TEMPORARY_ENFORCED", false),
    },
    features: {
      direct_tool_servers: flag("FEATURES_DIRECT_TOOL_SERVERS", false),
      web_search: flag("FEATURES_WEB_SEARCH", true),
      image_generation: flag("FEATURES_IMAGE_GENERATION", true),
      code_interpreter: flag("FEATURES_CODE_INTERPRETER", true),
      notes: flag("FEATURES_NOTES", true),
    },
  };
}

/** Defaults OR every group's permissions, then fill any key the stored defaults lack. */
export function mergePermissions(
  defaults: PermissionTree,
  groups: unknown[],
  fallback: PermissionTree = defaults,
): PermissionTree {
  const merged: PermissionTree = structuredClone(defaults);
  for (const group of groups) {
    if (!isTree(group)) continue;
    for (const [section, leaves] of Object.entries(group)) {
      if (!isTree(leaves)) continue;
      const target = (merged[section] ??= {});
      for (const [key, value] of Object.entries(leaves)) {
        if (typeof value === "boolean") target[key] = Boolean(target[key]) || value;
      }
    }
  }
  for (const [section, leaves] of Object.entries(fallback)) {
    const target = (merged[section] ??= {});
    for (const [key, value] of Object.entries(leaves)) if (!(key in target)) target[key] = value;
  }
  return merged;
}

function isTree(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
