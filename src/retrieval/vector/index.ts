// Picks the vector store from VECTOR_DB (plain environment, as in Open WebUI).
import { join } from "node:path";
import { ConfigError, parseBool, parseInteger, type Env } from "../../core/env";
import { PgvectorStore } from "./pgvector";
import { SqliteVectorStore } from "./sqlite";
import type { VectorStore } from "./types";

export type { VectorStore } from "./types";

/** The embedded store's file: its own database beside Open WebUI's data, never inside webui.db. */
export function embeddedStorePath(env: Env): string {
  return join(env.dataDir, "vector_db", "vectors.db");
}

export function createVectorStore(env: Env): VectorStore {
  const kind = (env.raw.VECTOR_DB ?? "").trim().toLowerCase();
  if (kind === "" || kind === "chroma" || kind === "sqlite") return new SqliteVectorStore(embeddedStorePath(env));
  if (kind === "pgvector") {
    const url = env.raw.PGVECTOR_DB_URL || (env.database.dialect === "postgres" ? env.database.url : "");
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigError("PGVECTOR_DB_URL", "VECTOR_DB=pgvector needs PGVECTOR_DB_URL or a PostgreSQL DATABASE_URL");
    }
    return new PgvectorStore({
      url,
      dimension: parseInteger(env.raw, "PGVECTOR_INITIALIZE_MAX_VECTOR_LENGTH", 1536, 1),
      createExtension: parseBool(env.raw, "PGVECTOR_CREATE_EXTENSION", true),
      poolSize: env.raw.PGVECTOR_POOL_SIZE ? parseInteger(env.raw, "PGVECTOR_POOL_SIZE", 5, 1) : undefined,
    });
  }
  throw new ConfigError("VECTOR_DB", `"${kind}" is not supported: leave it unset for the embedded store, or use pgvector`);
}
