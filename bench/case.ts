// What a benchmark case is. The harness imports every file in bench/cases/ and runs the
// requests each one names against our server, a raw Bun.serve answering the same bytes, and
// (when one is reachable) the Python reference.
import type { Db } from "../src/db/client";

/** Who sends a request: nobody, or a signed-in account of the given role (Bearer token). */
export type Caller = "anonymous" | "user" | "admin";

export interface BenchRequest {
  /** Row label in the results, e.g. "/api/config (signed in)". */
  label: string;
  method?: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  as?: Caller;
  headers?: Record<string, string>;
  /** JSON text sent as the request body. */
  body?: string;
  /** Status our server must answer (default 200); anything else fails the run. */
  status?: number;
  /**
   * Also measure this request on the Python reference. Only for requests that mean the same
   * there without seeding its database (the reference is shared and is never written to).
   */
  python?: boolean;
}

export interface CaseContext {
  /** Our server, started on a fresh data folder. */
  baseUrl: string;
  /** Our server's database (either dialect), for seeding rows before the load starts. */
  db: Db;
  /** Inserts an account and returns its id and a valid Bearer token for our server. */
  createUser(role: "pending" | "user" | "admin"): Promise<{ id: string; token: string }>;
}

export interface BenchCase {
  /** Short id, used with `bun run bench --case <name>`. */
  name: string;
  title: string;
  requests(context: CaseContext): Promise<BenchRequest[]> | BenchRequest[];
}
