// CI must reach the real PostgreSQL and Redis; an unreachable service fails the run at once.
import Redis from "ioredis";
import postgres from "postgres";

const databaseUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) throw new Error("TEST_DATABASE_URL and REDIS_URL must be set");

const sql = postgres(databaseUrl, { max: 1, connect_timeout: 5 });
await sql`SELECT 1`;
await sql.end();

const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1 });
await redis.connect();
if ((await redis.ping()) !== "PONG") throw new Error("Redis did not answer PING");
redis.disconnect();
console.log("PostgreSQL and Redis are reachable");
