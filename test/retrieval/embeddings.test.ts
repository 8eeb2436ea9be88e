// Embedding engines: Ollama set through the admin route, and the local engine's fallback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localModelDirectory, resolveEmbedder } from "../../src/retrieval/embeddings";
import { startTestApp, type TestApp } from "../support/app";
import { uploadAndProcess } from "../support/uploads";
import { insertUser } from "../support/users";
import { startFakeEmbedder, type FakeEmbedder } from "../fakes/embeddings";

describe("embedding engines", () => {
  let t: TestApp;
  let embedder: FakeEmbedder;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    embedder = startFakeEmbedder(32);
    t = await startTestApp("sqlite");
    admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
    user = t.tokenFor((await insertUser(t.ctx)).id);
  });

  afterAll(async () => {
    await t.close();
    await t.database.drop();
    embedder.stop();
  });

  test("Ollama, configured through the admin route, embeds files and queries", async () => {
    const res = await t.request("POST", "/api/v1/retrieval/embedding/update", {
      token: admin,
      body: { embedding_engine: "ollama", embedding_model: "nomic-embed-text", embedding_batch_size: 4, ollama_config: { url: embedder.url, key: "ok" } },
    });
    expect(res.status).toBe(200);
    const f = await uploadAndProcess(t, user, { name: "o.txt", content: "Ocelots are wild cats of the Americas." });
    expect(f.events.at(-1)?.status).toBe("completed");
    const query = await t.request("POST", "/api/v1/retrieval/query/doc", { token: user, body: { collection_name: `file-${f.uploaded.id}`, query: "wild cats" } });
    expect(query.body.documents[0][0]).toContain("Ocelots");
    expect(embedder.calls.length).toBeGreaterThanOrEqual(2);
    expect(embedder.calls.every((c) => c.path === "/api/embed" && c.model === "nomic-embed-text" && c.authorization === "Bearer ok")).toBe(true);
  });

  test("the local engine needs a model on disk and the inference library; without them search is full-text", async () => {
    await t.ctx.config.set({ RAG_EMBEDDING_ENGINE: "", RAG_EMBEDDING_MODEL: "sentence-transformers/all-MiniLM-L6-v2" });
    expect(localModelDirectory(t.ctx, "sentence-transformers/all-MiniLM-L6-v2")).toBeNull();
    const snapshot = join(t.ctx.env.dataDir, "cache", "embedding", "models", "models--sentence-transformers--all-MiniLM-L6-v2", "snapshots", "abc");
    mkdirSync(join(snapshot, "onnx"), { recursive: true });
    writeFileSync(join(snapshot, "tokenizer.json"), "{}");
    expect(localModelDirectory(t.ctx, "all-MiniLM-L6-v2")).toBe(snapshot);
    // The model files are placeholders (and the library may be absent): no usable engine.
    expect(await resolveEmbedder(t.ctx)).toBeNull();
    const f = await uploadAndProcess(t, user, { name: "l.txt", content: "Lynxes have tufted ears." });
    expect(f.events.at(-1)?.status).toBe("completed");
    const query = await t.request("POST", "/api/v1/retrieval/query/doc", { token: user, body: { collection_name: `file-${f.uploaded.id}`, query: "tufted ears" } });
    expect(query.body.documents[0][0]).toContain("Lynxes");
  });
});
