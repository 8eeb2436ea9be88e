// Open WebUI users and groups as SCIM resources, in the reference's shape (unset optional
// attributes are sent as null, as pydantic serialises them).
import type { AppContext } from "../context";
import { listGroupsOfMember, memberIds, type GroupRow } from "../groups/repository";
import { findUsersByIds, type UserRow } from "../users/repository";
import { GROUP_SCHEMA, USER_SCHEMA } from "./discovery";

/** Python's `datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()`. */
export function isoSeconds(seconds: number | null | undefined): string {
  const iso = new Date(Math.floor(seconds ?? 0) * 1000).toISOString();
  return `${iso.slice(0, 19)}+00:00`;
}

export function userLocation(baseUrl: string, id: string): string {
  return `${baseUrl}api/v1/scim/v2/Users/${id}`;
}

export function groupLocation(baseUrl: string, id: string): string {
  return `${baseUrl}api/v1/scim/v2/Groups/${id}`;
}

/** `givenName` is the name up to its first space, `familyName` the rest. */
function splitName(name: string): { givenName: string; familyName: string } {
  const space = name.indexOf(" ");
  return space < 0
    ? { givenName: name, familyName: "" }
    : { givenName: name.slice(0, space), familyName: name.slice(space + 1) };
}

export async function toScimUser(ctx: AppContext, user: UserRow, baseUrl: string) {
  const name = user.name ?? "";
  const groups = (await listGroupsOfMember(ctx.db, user.id)).map((group) => ({
    value: group.id,
    display: group.name ?? "",
    $ref: groupLocation(baseUrl, group.id),
    type: "direct",
  }));
  return {
    schemas: [USER_SCHEMA],
    id: user.id,
    externalId: null,
    userName: user.email,
    name: {
      formatted: name,
      ...(name ? splitName(name) : { givenName: "", familyName: "" }),
      middleName: null,
      honorificPrefix: null,
      honorificSuffix: null,
    },
    displayName: name,
    emails: [{ value: user.email, type: "work", primary: true, display: null }],
    active: user.role !== "pending",
    photos: user.profile_image_url ? [{ value: user.profile_image_url, type: "photo", primary: true, display: null }] : null,
    groups: groups.length > 0 ? groups : null,
    meta: {
      resourceType: "User",
      created: isoSeconds(user.created_at),
      lastModified: isoSeconds(user.updated_at),
      location: userLocation(baseUrl, user.id),
      version: null,
    },
  };
}

/** Members that are no longer accounts are left out, as the reference does. */
export async function toScimGroup(ctx: AppContext, group: GroupRow, baseUrl: string) {
  const members = (await findUsersByIds(ctx.db, memberIds(group))).map((user) => ({
    value: user.id,
    $ref: userLocation(baseUrl, user.id),
    type: "User",
    display: user.name,
  }));
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    displayName: group.name ?? "",
    members,
    meta: {
      resourceType: "Group",
      created: isoSeconds(group.created_at),
      lastModified: isoSeconds(group.updated_at),
      location: groupLocation(baseUrl, group.id),
      version: null,
    },
  };
}
