// Ingest throughput: split + embed (fake OpenAI-compatible embedder on loopback) + insert, in
// chunks per second, on the embedded store and (with PGVECTOR_URL) on pgvector.
//   bun bench/retrieval/ingest.ts [documents=200]
//   PGVECTOR_URL=postgresql://postgres@127.0.0.1:5432/bench bun bench/retrieval/ingest.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext } from "../../src/context";
import { createLogger } from "../../src/core/logger";
import { saveDocuments } from "../../src/retrieval/ingest";
import { retrieval } from "../../src/retrieval/services";
import { startFakeEmbedder } from "../../test/fakes/embeddings";

const documents = Number(process.argv[2] ?? 200);
const WORDS = "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their".split(" ");

function document(seed: number): string {
  let x = seed * 2654435761;
  const words: string[] = [];
  for (let i = 0; i < 1500; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length]!);
    if (i % 17 === 16) words.push(".\n");
  }
  return words.join(" ");
}

async function run(label: string, env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-bench-"));
  const embedder = startFakeEmbedder(384);
  const ctx = await createContext({
    source: {
      DATA_DIR: dataDir,
      WEBUI_SECRET_KEY: "bench",
      RAG_EMBEDDING_ENGINE: "openai",
      RAG_EMBEDDING_MODEL: "fake",
      RAG_OPENAI_API_BASE_URL: `${embedder.url}/v1`,
      RAG_EMBEDDING_BATCH_SIZE: "64",
      ...env,
    },
    log: createLogger("ERROR"),
  });
  const texts = Array.from({ length: documents }, (_, i) => document(i));
  let chunks = 0;
  const started = performance.now();
  for (const [i, text] of texts.entries()) {
    await saveDocuments(ctx, null, [{ text, metadata: { name: `doc-${i}.txt` } }], `file-bench-${i}`, { metadata: { file_id: `bench-${i}` } });
  }
  const seconds = (performance.now() - started) / 1000;
  for (let i = 0; i < documents; i++) chunks += (await retrieval(ctx).store.get(`file-bench-${i}`)).length;
  console.log(
    `${label}: ${documents} documents, ${chunks} chunks (CHUNK_SIZE 1000 / overlap 100, 384-dim, batch 64) in ${seconds.toFixed(2)} s = ${Math.round(chunks / seconds)} chunks/s, ${embedder.calls.length} embedding calls`,
  );
  await retrieval(ctx).store.reset();
  await ctx.close();
  embedder.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

await run("embedded SQLite store", {});
if (process.env.PGVECTOR_URL) {
  await run("pgvector", { VECTOR_DB: "pgvector", PGVECTOR_DB_URL: process.env.PGVECTOR_URL });
}
