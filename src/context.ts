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
import { createRealtime, type Emitter, type Realtime, type TaskRegistry, type UsagePools } from "./realtime";

export interface AppContext {
  env: Env;
  log: Logger;
  db: Db;
  config: AppConfig;
  secretKey: string;
  auth: Authenticator;
  /** Present when REDIS_URL is set. */
  redis?: Redis;
  /** Set once the first account exists; it never becomes false again while running. */
  hasUsers: boolean;
  /** Sends Socket.IO events to a user's sockets, a session or a room, on whichever instance holds them. */
  emit: Emitter;
  /** The running-task registry (shared through Redis when configured). */
  tasks: TaskRegistry;
  /** The socket pools: online users, models in use. */
  usage: UsagePools;
  /** The Socket.IO server behind /ws/socket.io (for src/server.ts). */
  realtime: Realtime;
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
  const db = await openDb(env.database, env);
  let redis: Redis | undefined;
  try {
    const state = await prepareDatabase(db);
    log.info(`database ${state === "created" ? "created" : "opened"} (${env.database.dialect})`);
    const config = await AppConfig.load(db, env);
    redis = env.redisUrl ? await connectRedis(env.redisUrl, log) : undefined;
    const ctx: AppContext = {
      env,
      log,
      db,
      config,
      secretKey,
      hasUsers: false,
      redis,
      auth: undefined as unknown as Authenticator,
      emit: undefined as unknown as Emitter,
      tasks: undefined as unknown as TaskRegistry,
      usage: undefined as unknown as UsagePools,
      realtime: undefined as unknown as Realtime,
      close: async () => {
        // Sockets first: their cleanup still writes to Redis.
        await ctx.realtime?.close();
        redis?.disconnect();
        await db.close();
      },
    };
    ctx.auth = new Authenticator(ctx);
    const realtime = await createRealtime(ctx);
    Object.assign(ctx, { realtime, emit: realtime.emit, tasks: realtime.tasks, usage: realtime.usage });
    return ctx;
  } catch (error) {
    redis?.disconnect();
    await db.close().catch(() => {});
    throw error;
  }
}
