// Query latency at 100,000 chunks in one collection: vector search (k = 3) and full-text search,
// on the embedded store and (with PGVECTOR_URL) on pgvector. Vectors are random, 384-dim
// (all-MiniLM-L6-v2's size); pgvector pads them to its default 1536 like Open WebUI.
//   bun bench/retrieval/query.ts [chunks=100000] [dimensions=384]
//   PGVECTOR_URL=postgresql://postgres@127.0.0.1:5432/bench bun bench/retrieval/query.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PgvectorStore } from "../../src/retrieval/vector/pgvector";
import { SqliteVectorStore } from "../../src/retrieval/vector/sqlite";
import type { VectorStore } from "../../src/retrieval/vector/types";

const total = Number(process.argv[2] ?? 100_000);
const dimensions = Number(process.argv[3] ?? 384);
const QUERIES = 30;
const WORDS = "river mountain forest desert ocean island valley canyon glacier meadow prairie swamp tundra volcano reef lagoon".split(" ");

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const vector = () => Array.from({ length: dimensions }, random);
const text = (i: number) => `Chunk ${i} about the ${WORDS[i % WORDS.length]} and the ${WORDS[(i * 7) % WORDS.length]} near item${i % 1000}.`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(label: string, store: VectorStore) {
  const collection = "bench-collection";
  let started = performance.now();
  for (let i = 0; i < total; i += 1000) {
    const items = Array.from({ length: Math.min(1000, total - i) }, (_, j) => ({
      id: `c${i + j}`,
      text: text(i + j),
      vector: vector(),
      metadata: { file_id: `f${(i + j) % 100}`, name: "bench.txt" },
    }));
    await store.insert(collection, items);
  }
  const loadSeconds = (performance.now() - started) / 1000;
  const searchTimes: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const query = vector();
    started = performance.now();
    const hits = await store.search(collection, query, 3);
    searchTimes.push(performance.now() - started);
    if (hits.length !== 3) throw new Error("expected 3 hits");
  }
  const textTimes: number[] = [];
  for (let q = 0; q < QUERIES; q++) {
    started = performance.now();
    await store.textSearch(collection, `${WORDS[q % WORDS.length]} item${q}`, 3);
    textTimes.push(performance.now() - started);
  }
  const fmt = (v: number[]) => `p50 ${percentile(v, 50).toFixed(1)} ms, p95 ${percentile(v, 95).toFixed(1)} ms`;
  console.log(`${label}: ${total} chunks x ${dimensions} dims loaded in ${loadSeconds.toFixed(1)} s`);
  console.log(`  vector search k=3 (${QUERIES} queries): ${fmt(searchTimes)}`);
  console.log(`  full-text search k=3 (${QUERIES} queries): ${fmt(textTimes)}`);
  await store.reset();
  await store.close();
}

const dir = mkdtempSync(join(tmpdir(), "owb-bench-"));
await measure("embedded SQLite store", new SqliteVectorStore(join(dir, "vectors.db")));
rmSync(dir, { recursive: true, force: true });
if (process.env.PGVECTOR_URL) {
  await measure("pgvector", new PgvectorStore({ url: process.env.PGVECTOR_URL, dimension: 1536, createExtension: true }));
}
