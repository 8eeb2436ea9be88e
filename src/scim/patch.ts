// SCIM PATCH operations (RFC 7644 §3.5.2), the subset Open WebUI 0.6.32 applies. Operations
// on other paths are ignored, as the reference does; a value of the wrong type is a 400 here.
import { ScimError } from "./auth";

export interface PatchOperation {
  op: string;
  path?: string | null;
  value?: unknown;
}

export interface UserPatch {
  email?: string;
  name?: string;
  role?: "user" | "pending";
}

export function userPatch(operations: PatchOperation[]): UserPatch {
  const change: UserPatch = {};
  for (const { op, path, value } of operations) {
    if (op.toLowerCase() !== "replace") continue;
    if (path === "active") change.role = isTrue(value) ? "user" : "pending";
    else if (path === "userName" || path === "emails[primary eq true].value") change.email = text(value, path);
    else if (path === "displayName" || path === "name.formatted") change.name = text(value, path);
  }
  return change;
}

/** The group's name and member ids after the operations. */
export function groupPatch(
  operations: PatchOperation[],
  current: { name: string; userIds: string[] },
): { name: string; userIds: string[] } {
  let name = current.name;
  let userIds = [...current.userIds];
  for (const { op, path, value } of operations) {
    const kind = op.toLowerCase();
    if (kind === "replace" && path === "displayName") name = text(value, path);
    else if (kind === "replace" && path === "members") userIds = memberValues(value, true);
    else if (kind === "add" && path === "members" && Array.isArray(value)) {
      for (const id of memberValues(value, false)) if (!userIds.includes(id)) userIds.push(id);
    } else if (kind === "remove" && path?.startsWith("members[value eq")) {
      const id = quoted(path);
      userIds = userIds.filter((member) => member !== id);
    }
  }
  return { name, userIds };
}

/** The first double-quoted part of a filter, as the reference reads `attr eq "value"`. */
export function quoted(expression: string): string {
  const parts = expression.split('"');
  if (parts.length < 2) throw new ScimError(400, `Invalid filter: ${expression}`, "invalidFilter");
  return parts[1]!;
}

/** `replace members` needs a list of `{value}` objects; `add` skips entries that are not. */
function memberValues(value: unknown, strict: boolean): string[] {
  if (!Array.isArray(value)) throw new ScimError(400, "members must be a list of {value} objects", "invalidValue");
  const ids: string[] = [];
  for (const member of value) {
    const id = typeof member === "object" && member !== null ? (member as { value?: unknown }).value : undefined;
    if (typeof id === "string") ids.push(id);
    else if (strict) throw new ScimError(400, "members must be a list of {value} objects", "invalidValue");
  }
  return ids;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string") throw new ScimError(400, `${path} must be a string`, "invalidValue");
  return value;
}

/**
 * Python truthiness, except that the strings "false"/"False" mean false: some identity providers
 * (Microsoft Entra ID) send `active` as a string.
 */
function isTrue(value: unknown): boolean {
  if (typeof value === "string") return value.trim().toLowerCase() !== "false" && value !== "";
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}
