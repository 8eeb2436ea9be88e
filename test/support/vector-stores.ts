// The vector stores to run retrieval tests on: the embedded store always, pgvector when a test
// PostgreSQL is configured and has the `vector` extension (REQUIRE_PGVECTOR=true makes its
// absence an error instead of a skip).
import postgres from "postgres";
import { postgresAvailable } from "./databases";

export type StoreKind = "sqlite" | "pgvector";

async function pgvectorInstallable(): Promise<boolean> {
  if (!postgresAvailable) return false;
  const sql = postgres(process.env.TEST_DATABASE_URL as string, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT 1 FROM pg_available_extensions WHERE name = 'vector'`;
    return rows.length > 0;
  } catch {
    return false;
  } finally {
    await sql.end();
  }
}

export const pgvectorAvailable = await pgvectorInstallable();
if (postgresAvailable && !pgvectorAvailable) {
  const message = "the PostgreSQL test server has no `vector` extension: pgvector tests are skipped";
  if (process.env.REQUIRE_PGVECTOR === "true") throw new Error(message);
  console.warn(message);
}

export const storeKinds: StoreKind[] = pgvectorAvailable ? ["sqlite", "pgvector"] : ["sqlite"];
