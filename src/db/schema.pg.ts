// Open WebUI 0.6.32's tables as they really are on PostgreSQL (see src/db/ddl/postgres.sql).
// Declarative only: this file never generates DDL. Column names and property names are the same
// as in schema.sqlite.ts, so a query written against one runs on the other.
import { bigint, boolean, customType, date, integer, json, pgTable, text, timestamp, varchar } from "drizzle-orm/pg-core";

/** A `text` column that holds JSON (Python's JSONField): stringified on write, parsed on read. */
const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => JSON.stringify(value ?? null),
  fromDriver: (value) => (value == null ? null : JSON.parse(value)),
});

const str = (name: string) => varchar(name, { length: 255 });
const seconds = (name: string) => bigint(name, { mode: "number" });

export const user = pgTable("user", {
  id: str("id").notNull(),
  name: str("name").notNull(),
  email: str("email").notNull(),
  role: str("role").notNull(),
  profile_image_url: text("profile_image_url").notNull(),
  api_key: str("api_key"),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  last_active_at: seconds("last_active_at").notNull(),
  settings: jsonText("settings"),
  info: jsonText("info"),
  oauth_sub: text("oauth_sub"),
  username: varchar("username", { length: 50 }),
  bio: text("bio"),
  gender: text("gender"),
  date_of_birth: date("date_of_birth", { mode: "string" }),
});

export const auth = pgTable("auth", {
  id: str("id").notNull(),
  email: str("email").notNull(),
  password: text("password").notNull(),
  active: boolean("active").notNull(),
});

export const chat = pgTable("chat", {
  id: str("id").notNull(),
  user_id: str("user_id").notNull(),
  title: text("title").notNull(),
  share_id: str("share_id"),
  archived: boolean("archived").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  chat: json("chat"),
  pinned: boolean("pinned"),
  meta: json("meta").notNull(),
  folder_id: text("folder_id"),
});

export const tag = pgTable("tag", {
  id: str("id").notNull(),
  name: str("name").notNull(),
  user_id: str("user_id").notNull(),
  meta: json("meta"),
});

export const file = pgTable("file", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  filename: text("filename").notNull(),
  meta: json("meta"),
  created_at: seconds("created_at").notNull(),
  hash: text("hash"),
  data: json("data"),
  updated_at: seconds("updated_at"),
  path: text("path"),
  access_control: json("access_control"),
});

export const folder = pgTable("folder", {
  id: text("id").notNull(),
  parent_id: text("parent_id"),
  user_id: text("user_id").notNull(),
  name: text("name").notNull(),
  items: json("items"),
  meta: json("meta"),
  is_expanded: boolean("is_expanded").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  data: json("data"),
});

export const knowledge = pgTable("knowledge", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  name: text("name").notNull(),
  description: text("description"),
  data: json("data"),
  meta: json("meta"),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at"),
  access_control: json("access_control"),
});

export const model = pgTable("model", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  base_model_id: text("base_model_id"),
  name: text("name").notNull(),
  meta: jsonText("meta").notNull(),
  params: jsonText("params").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  access_control: json("access_control"),
  is_active: boolean("is_active").notNull(),
});

export const prompt = pgTable("prompt", {
  // The hidden integer key: never written, the database numbers it.
  rowid: integer("id"),
  command: str("command").notNull(),
  user_id: str("user_id").notNull(),
  title: text("title").notNull(),
  content: text("content").notNull(),
  timestamp: seconds("timestamp").notNull(),
  access_control: json("access_control"),
});

export const tool = pgTable("tool", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  name: text("name").notNull(),
  content: text("content").notNull(),
  specs: jsonText("specs").notNull(),
  meta: jsonText("meta").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  valves: jsonText("valves"),
  access_control: json("access_control"),
});

export const fn = pgTable("function", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  name: text("name").notNull(),
  type: text("type").notNull(),
  content: text("content").notNull(),
  meta: jsonText("meta").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
  valves: jsonText("valves"),
  is_active: boolean("is_active").notNull(),
  is_global: boolean("is_global").notNull(),
});

export const memory = pgTable("memory", {
  id: str("id").notNull(),
  user_id: str("user_id").notNull(),
  content: text("content").notNull(),
  updated_at: seconds("updated_at").notNull(),
  created_at: seconds("created_at").notNull(),
});

export const group = pgTable("group", {
  id: text("id").notNull(),
  user_id: text("user_id"),
  name: text("name"),
  description: text("description"),
  data: json("data"),
  meta: json("meta"),
  permissions: json("permissions"),
  user_ids: json("user_ids"),
  created_at: seconds("created_at"),
  updated_at: seconds("updated_at"),
});

// channel, message, message_reaction and note keep epoch nanoseconds. Read as numbers on both
// dialects (exact up to 2^53): the last digits of a nanosecond value may round on read.
const nanoseconds = (name: string) => bigint(name, { mode: "number" });

export const note = pgTable("note", {
  id: text("id").notNull(),
  user_id: text("user_id"),
  title: text("title"),
  data: json("data"),
  meta: json("meta"),
  access_control: json("access_control"),
  created_at: nanoseconds("created_at"),
  updated_at: nanoseconds("updated_at"),
});

export const channel = pgTable("channel", {
  id: text("id").notNull(),
  user_id: text("user_id"),
  name: text("name"),
  description: text("description"),
  data: json("data"),
  meta: json("meta"),
  access_control: json("access_control"),
  created_at: nanoseconds("created_at"),
  updated_at: nanoseconds("updated_at"),
  type: text("type"),
});

export const message = pgTable("message", {
  id: text("id").notNull(),
  user_id: text("user_id"),
  channel_id: text("channel_id"),
  content: text("content"),
  data: json("data"),
  meta: json("meta"),
  created_at: nanoseconds("created_at"),
  updated_at: nanoseconds("updated_at"),
  parent_id: text("parent_id"),
  reply_to_id: text("reply_to_id"),
});

export const message_reaction = pgTable("message_reaction", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  message_id: text("message_id").notNull(),
  name: text("name").notNull(),
  created_at: nanoseconds("created_at"),
});

export const feedback = pgTable("feedback", {
  id: text("id").notNull(),
  user_id: text("user_id"),
  version: seconds("version"),
  type: text("type"),
  data: json("data"),
  meta: json("meta"),
  snapshot: json("snapshot"),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
});

export const oauth_session = pgTable("oauth_session", {
  id: text("id").notNull(),
  user_id: text("user_id").notNull(),
  provider: text("provider").notNull(),
  token: text("token").notNull(),
  expires_at: seconds("expires_at").notNull(),
  created_at: seconds("created_at").notNull(),
  updated_at: seconds("updated_at").notNull(),
});

export const config = pgTable("config", {
  id: integer("id"),
  data: json("data").notNull(),
  version: integer("version").notNull(),
  created_at: timestamp("created_at", { mode: "string" }),
  updated_at: timestamp("updated_at", { mode: "string" }),
});

export const migratehistory = pgTable("migratehistory", {
  id: integer("id"),
  name: str("name").notNull(),
  migrated_at: timestamp("migrated_at", { mode: "string" }).notNull(),
});

export const alembic_version = pgTable("alembic_version", {
  version_num: varchar("version_num", { length: 32 }).notNull(),
});
