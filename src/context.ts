// Everything a request handler may need, built once at start and passed to each feature plugin.
import type Redis from "ioredis";
import { createLogger, type Logger } from "./core/logger";
import { connectRedis } from "./core/redis";
import { AppConfig } from "./core/config";
import { Authenticator } from "./core/auth";
import { readEnv, type Env, type Source } from "./core/env";
import { resolveSecretKey } from "./core/secret";
import { openDb, type Db } from "./db/client";
import { prepareDatabase } from "./db/bootstrap";

export interface AppContext {
  env: Env;
  log: Logger;
  db: Db;
  config: AppConfig;
  secretKey: string;
  auth: Authenticator;
  /** Present when REDIS_URL is set. */
  redis?: Redis;
  /** Whether the user has a live socket; provided by the realtime layer when it runs. */
  isUserActive?: (userId: string) => boolean;
  /** Set once the first account exists; it never becomes false again while running. */
  hasUsers: boolean;
  close(): Promise<void>;
}

export interface ContextOptions {
  source?: Source;
  cwd?: string;
  log?: Logger;
}

/** Reads the environment, opens (and if empty, creates) the database, loads the stored config. */
export async function createContext(options: ContextOptions = {}): Promise<AppContext> {
  const env = readEnv(options.source ?? process.env, options.cwd);
  const log = options.log ?? createLogger(env.logLevel);
  const secretKey = resolveSecretKey(env);
  const db = openDb(env.database, env);
  try {
    const state = await prepareDatabase(db);
    log.info(`database ${state === "created" ? "created" : "opened"} (${env.database.dialect})`);
    const config = await AppConfig.load(db, env);
    const redis = env.redisUrl ? connectRedis(env.redisUrl, log) : undefined;
    const ctx: AppContext = {
      env,
      log,
      db,
      config,
      secretKey,
      hasUsers: false,
      redis,
      auth: undefined as unknown as Authenticator,
      close: async () => {
        redis?.disconnect();
        await db.close();
      },
    };
    ctx.auth = new Authenticator(ctx);
    return ctx;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
