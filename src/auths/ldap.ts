// POST /api/v1/auths/ldap: find the account in the directory with the application account, bind
// as it with the given password, then sign in (creating the local account on first use).
import type { Client } from "ldapts";
import type { AppContext } from "../context";
import { badRequest } from "../core/errors";
import { createMissingGroups, syncGroupsByNames } from "../groups/membership";
import { findUserByEmail, type Role, type UserRow } from "../users/repository";
import { insertAccount } from "./repository";

export const LDAP_FAILED = "LDAP authentication failed.";

interface DirectoryEntry {
  dn: string;
  email: string;
  name: string;
  groups: string[];
}

/** The LDAP library, loaded on the first LDAP sign-in rather than at start. */
const ldapts = () => import("ldapts");

async function client(ctx: AppContext): Promise<Client> {
  const { Client } = await ldapts();
  const c = ctx.config;
  const tls = c.get("LDAP_USE_TLS");
  const url = `${tls ? "ldaps" : "ldap"}://${c.get("LDAP_SERVER_HOST")}:${c.get("LDAP_SERVER_PORT") ?? (tls ? 636 : 389)}`;
  return new Client({
    url,
    timeout: 10_000,
    connectTimeout: 10_000,
    tlsOptions: tls
      ? {
          rejectUnauthorized: c.get("LDAP_VALIDATE_CERT"),
          ...(c.get("LDAP_CA_CERT_FILE") ? { ca: [Bun.file(c.get("LDAP_CA_CERT_FILE") as string)] as never } : {}),
          ...(c.get("LDAP_CIPHERS") && c.get("LDAP_CIPHERS") !== "ALL" ? { ciphers: c.get("LDAP_CIPHERS") as string } : {}),
        }
      : undefined,
  });
}

async function findEntry(ctx: AppContext, username: string): Promise<DirectoryEntry | undefined> {
  const c = ctx.config;
  const app = await client(ctx);
  const { EqualityFilter } = await ldapts();
  try {
    if (c.get("LDAP_APP_DN")) await app.bind(c.get("LDAP_APP_DN"), c.get("LDAP_APP_PASSWORD"));
    const userAttribute = c.get("LDAP_ATTRIBUTE_FOR_USERNAME");
    const mailAttribute = c.get("LDAP_ATTRIBUTE_FOR_MAIL");
    const groupAttribute = c.get("LDAP_ATTRIBUTE_FOR_GROUPS");
    const match = new EqualityFilter({ attribute: userAttribute, value: username }).toString();
    const { searchEntries } = await app.search(c.get("LDAP_SEARCH_BASE"), {
      scope: "sub",
      filter: `(&${match}${c.get("LDAP_SEARCH_FILTERS")})`,
      attributes: [userAttribute, mailAttribute, "cn", groupAttribute],
    });
    const entry = searchEntries[0];
    if (!entry) return undefined;
    const first = (value: unknown) => String(Array.isArray(value) ? (value[0] ?? "") : (value ?? ""));
    const groupDns = entry[groupAttribute];
    return {
      dn: entry.dn,
      email: first(entry[mailAttribute]).toLowerCase(),
      name: first(entry.cn),
      groups: (Array.isArray(groupDns) ? groupDns : groupDns ? [groupDns] : [])
        .map((dn) => /(?:^|,)\s*CN=([^,]+)/i.exec(String(dn))?.[1]?.trim())
        .filter((cn): cn is string => Boolean(cn)),
    };
  } finally {
    await app.unbind().catch(() => {});
  }
}

async function passwordBinds(ctx: AppContext, dn: string, password: string): Promise<boolean> {
  if (!password) return false; // an empty password would be an anonymous bind
  const user = await client(ctx);
  try {
    await user.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await user.unbind().catch(() => {});
  }
}

export async function signinWithLdap(ctx: AppContext, username: string, password: string): Promise<UserRow> {
  if (!ctx.config.get("ENABLE_LDAP")) throw badRequest("LDAP authentication is not enabled");
  let entry: DirectoryEntry | undefined;
  try {
    entry = await findEntry(ctx, username.toLowerCase());
  } catch (error) {
    ctx.log.warn("LDAP search failed", error instanceof Error ? error.message : error);
    throw badRequest(LDAP_FAILED);
  }
  if (!entry?.email || !(await passwordBinds(ctx, entry.dn, password))) throw badRequest(LDAP_FAILED);

  let user = await findUserByEmail(ctx.db, entry.email);
  if (!user) {
    // As Open WebUI: the local password is a random string that is not a hash, so it never verifies.
    user = await insertAccount(ctx.db, {
      email: entry.email,
      passwordHash: crypto.randomUUID(),
      name: entry.name || entry.email,
      profileImageUrl: "/user.png",
      role: ctx.config.get("DEFAULT_USER_ROLE") as Role,
      firstUserRole: "admin",
    });
    ctx.hasUsers = true;
  }
  if (user.role !== "admin" && ctx.config.get("ENABLE_LDAP_GROUP_MANAGEMENT") && entry.groups.length > 0) {
    if (ctx.config.get("ENABLE_LDAP_GROUP_CREATION")) await createMissingGroups(ctx, user.id, entry.groups);
    await syncGroupsByNames(ctx, user.id, entry.groups);
  }
  return user;
}
