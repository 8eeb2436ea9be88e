// /api/v1/retrieval: settings (persisted), processing routes, web fetch guard, admin routes, auth.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { insertUser } from "../support/users";
import { uploadAndProcess } from "../support/uploads";

for (const dialect of dialects) {
  describe(`retrieval routes (${dialect})`, () => {
    let t: TestApp;
    let admin: string;
    let alice: string;
    let pending: string;
    let page: ReturnType<typeof Bun.serve>;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
      alice = t.tokenFor((await insertUser(t.ctx)).id);
      pending = t.tokenFor((await insertUser(t.ctx, { role: "pending" })).id);
      page = Bun.serve({
        port: 0,
        hostname: "127.0.0.1",
        fetch: (request) => {
          const path = new URL(request.url).pathname;
          if (path === "/hop") return Response.redirect(`http://127.0.0.1:${page.port}/page`, 302);
          return new Response(
            '<html lang="en"><head><title>Quokkas</title><meta name="description" content="About quokkas"></head><body><p>Quokkas smile a lot.</p></body></html>',
            { headers: { "content-type": "text/html" } },
          );
        },
      });
    });

    afterAll(async () => {
      page.stop(true);
      await t.close();
      await t.database.drop();
    });

    test("GET / is public and shows the RAG status", async () => {
      const res = await t.request("GET", "/api/v1/retrieval/");
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: true, chunk_size: 1000, chunk_overlap: 100, embedding_engine: "", embedding_batch_size: 1 });
      expect(res.body.embedding_model).toBe("sentence-transformers/all-MiniLM-L6-v2");
      expect(res.body.template).toContain("{{CONTEXT}}");
    });

    test("embedding settings are admin-only, validated and persisted", async () => {
      expect((await t.request("GET", "/api/v1/retrieval/embedding", { token: alice })).status).toBe(401);
      const before = await t.request("GET", "/api/v1/retrieval/embedding", { token: admin });
      expect(Object.keys(before.body)).toEqual([
        "status", "embedding_engine", "embedding_model", "embedding_batch_size", "openai_config", "ollama_config", "azure_openai_config",
      ]);
      const bad = await t.request("POST", "/api/v1/retrieval/embedding/update", { token: admin, body: { embedding_engine: "magic", embedding_model: "m" } });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toBe("[ERROR: Unknown embedding engine: magic]");
      const res = await t.request("POST", "/api/v1/retrieval/embedding/update", {
        token: admin,
        body: { embedding_engine: "ollama", embedding_model: "nomic-embed-text", embedding_batch_size: 16, ollama_config: { url: "http://ollama:11434", key: "k" } },
      });
      expect(res.body).toMatchObject({ embedding_engine: "ollama", embedding_model: "nomic-embed-text", embedding_batch_size: 16, ollama_config: { url: "http://ollama:11434", key: "k" } });
      const restarted = await openTestApp(t.database);
      try {
        expect(restarted.ctx.config.get("RAG_EMBEDDING_ENGINE")).toBe("ollama");
        expect(restarted.ctx.config.get("RAG_OLLAMA_BASE_URL")).toBe("http://ollama:11434");
        expect(restarted.ctx.config.get("RAG_EMBEDDING_BATCH_SIZE")).toBe(16);
      } finally {
        await restarted.close();
      }
      await t.request("POST", "/api/v1/retrieval/embedding/update", { token: admin, body: { embedding_engine: "", embedding_model: "sentence-transformers/all-MiniLM-L6-v2" } });
    });

    test("RAG config: shape, partial update, validation, persistence", async () => {
      expect((await t.request("GET", "/api/v1/retrieval/config", { token: alice })).status).toBe(401);
      const config = await t.request("GET", "/api/v1/retrieval/config", { token: admin });
      expect(config.body).toMatchObject({ status: true, TOP_K: 3, TEXT_SPLITTER: "", FILE_MAX_SIZE: null, ALLOWED_FILE_EXTENSIONS: [] });
      expect(config.body.web).toMatchObject({ ENABLE_WEB_SEARCH: false, WEB_SEARCH_ENGINE: "", YOUTUBE_LOADER_LANGUAGE: ["en"], YOUTUBE_LOADER_TRANSLATION: null });
      const updated = await t.request("POST", "/api/v1/retrieval/config/update", {
        token: admin,
        body: { TOP_K: 5, TEXT_SPLITTER: "token", CHUNK_SIZE: 400, CHUNK_OVERLAP: 40, FILE_MAX_SIZE: 10, web: { WEB_SEARCH_ENGINE: "searxng" } },
      });
      expect(updated.body).toMatchObject({ TOP_K: 5, TEXT_SPLITTER: "token", CHUNK_SIZE: 400, FILE_MAX_SIZE: 10 });
      expect(updated.body.web.WEB_SEARCH_ENGINE).toBe("searxng");
      expect(updated.body.RAG_TEMPLATE).toBe(config.body.RAG_TEMPLATE);
      const badOverlap = await t.request("POST", "/api/v1/retrieval/config/update", { token: admin, body: { CHUNK_OVERLAP: 500 } });
      expect(badOverlap.status).toBe(400);
      const badSplitter = await t.request("POST", "/api/v1/retrieval/config/update", { token: admin, body: { TEXT_SPLITTER: "words" } });
      expect(badSplitter.status).toBe(400);
      const badType = await t.request("POST", "/api/v1/retrieval/config/update", { token: admin, body: { TOP_K: "many" } });
      expect(badType.status).toBe(422);
      const restarted = await openTestApp(t.database);
      try {
        expect(restarted.ctx.config.get("TOP_K")).toBe(5);
        expect(restarted.ctx.config.get("TEXT_SPLITTER")).toBe("token");
      } finally {
        await restarted.close();
      }
      // The token splitter is used for the next file.
      const tokenized = await uploadAndProcess(t, alice, { name: "tok.txt", content: "word ".repeat(1000) });
      expect(tokenized.events.at(-1)?.status).toBe("completed");
      const chunks = await t.request("POST", "/api/v1/retrieval/query/doc", { token: alice, body: { collection_name: `file-${tokenized.uploaded.id}`, query: "word", k: 10 } });
      expect(chunks.body.documents[0].length).toBeGreaterThan(2);
      await t.request("POST", "/api/v1/retrieval/config/update", {
        token: admin,
        body: { TOP_K: 3, TEXT_SPLITTER: "", CHUNK_SIZE: 1000, CHUNK_OVERLAP: 100, FILE_MAX_SIZE: null, web: { WEB_SEARCH_ENGINE: "" } },
      });
    });

    test("process/file and process/text", async () => {
      const f = await uploadAndProcess(t, alice, { name: "p.txt", content: "Platypuses lay eggs." });
      const again = await t.request("POST", "/api/v1/retrieval/process/file", { token: alice, body: { file_id: f.uploaded.id, content: "Platypuses glow under UV light." } });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: true, collection_name: `file-${f.uploaded.id}`, filename: "p.txt", content: "Platypuses glow under UV light." });
      const other = t.tokenFor((await insertUser(t.ctx)).id);
      expect((await t.request("POST", "/api/v1/retrieval/process/file", { token: other, body: { file_id: f.uploaded.id } })).status).toBe(404);
      const text = await t.request("POST", "/api/v1/retrieval/process/text", { token: alice, body: { name: "note", content: "Wombats have cube-shaped droppings." } });
      expect(text.body.status).toBe(true);
      expect(text.body.collection_name).toMatch(/^[0-9a-f]{64}$/);
      const found = await t.request("POST", "/api/v1/retrieval/query/doc", { token: alice, body: { collection_name: text.body.collection_name, query: "wombats" } });
      expect(found.body.documents[0][0]).toContain("Wombats");
      const empty = await t.request("POST", "/api/v1/retrieval/process/text", { token: alice, body: { name: "n", content: "" } });
      expect(empty.status).toBe(400);
    });

    test("process/web refuses local addresses unless allowed, on every redirect hop", async () => {
      const refused = await t.request("POST", "/api/v1/retrieval/process/web", { token: alice, body: { url: `http://127.0.0.1:${page.port}/page` } });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain("not allowed");
      for (const url of ["http://localhost:1/", "http://[::1]:1/", "http://169.254.169.254/latest", "http://10.0.0.1/", "file:///etc/passwd"]) {
        expect((await t.request("POST", "/api/v1/retrieval/process/web", { token: alice, body: { url } })).status).toBe(400);
      }
      const local = await openTestApp(t.database, { ENABLE_RAG_LOCAL_WEB_FETCH: "true" });
      try {
        const ok = await local.request("POST", "/api/v1/retrieval/process/web", { token: alice, body: { url: `http://127.0.0.1:${page.port}/hop` } });
        expect(ok.status).toBe(200);
        expect(ok.body.file.data.content).toContain("Quokkas smile a lot.");
        expect(ok.body.file.meta).toEqual({ name: `http://127.0.0.1:${page.port}/hop`, source: `http://127.0.0.1:${page.port}/hop` });
        const found = await local.request("POST", "/api/v1/retrieval/query/doc", { token: alice, body: { collection_name: ok.body.collection_name, query: "quokkas" } });
        expect(found.body.metadatas[0][0]).toMatchObject({ title: "Quokkas", description: "About quokkas", language: "en" });
      } finally {
        await local.close();
      }
    });

    test("web search and YouTube answer a clear error without a provider", async () => {
      const search = await t.request("POST", "/api/v1/retrieval/process/web/search", { token: alice, body: { queries: ["x"] } });
      expect(search.status).toBe(400);
      expect(search.body.detail).toBe("No search engine API key found in environment variables");
      const youtube = await t.request("POST", "/api/v1/retrieval/process/youtube", { token: alice, body: { url: "https://youtu.be/x" } });
      expect(youtube.status).toBe(400);
      expect(youtube.body.detail).toContain("YouTube");
    });

    test("admin routes: delete, reset/db, reset/uploads", async () => {
      const f = await uploadAndProcess(t, alice, { name: "d.txt", content: "Dingoes howl." });
      for (const [path, body] of [
        ["/api/v1/retrieval/delete", { collection_name: `file-${f.uploaded.id}`, file_id: f.uploaded.id }],
        ["/api/v1/retrieval/reset/db", undefined],
        ["/api/v1/retrieval/reset/uploads", undefined],
      ] as [string, unknown][]) {
        expect((await t.request("POST", path, { token: alice, body })).status).toBe(401);
      }
      const del = await t.request("POST", "/api/v1/retrieval/delete", { token: admin, body: { collection_name: `file-${f.uploaded.id}`, file_id: f.uploaded.id } });
      expect(del.body).toEqual({ status: true });
      const none = await t.request("POST", "/api/v1/retrieval/delete", { token: admin, body: { collection_name: "nothing", file_id: f.uploaded.id } });
      expect(none.body).toEqual({ status: false });
      const kb = await t.request("POST", "/api/v1/knowledge/create", { token: admin, body: { name: "k", description: "" } });
      const reset = await t.request("POST", "/api/v1/retrieval/reset/db", { token: admin });
      expect(reset.status).toBe(200);
      expect(reset.text).toBe("null");
      expect((await t.request("GET", `/api/v1/knowledge/${kb.body.id}`, { token: admin })).status).toBe(401);
      const uploads = await t.request("POST", "/api/v1/retrieval/reset/uploads", { token: admin });
      expect(uploads.body).toBe(true);
      expect((await t.request("GET", `/api/v1/files/${f.uploaded.id}/content`, { token: alice })).status).toBe(404);
    });

    test("auth levels of the verified routes", async () => {
      const routes: [string, unknown][] = [
        ["/api/v1/retrieval/process/file", { file_id: "x" }],
        ["/api/v1/retrieval/process/text", { name: "n", content: "c" }],
        ["/api/v1/retrieval/process/web", { url: "https://example.com" }],
        ["/api/v1/retrieval/process/youtube", { url: "https://example.com" }],
        ["/api/v1/retrieval/process/web/search", { queries: ["q"] }],
        ["/api/v1/retrieval/query/doc", { collection_name: "c", query: "q" }],
        ["/api/v1/retrieval/query/collection", { collection_names: ["c"], query: "q" }],
        ["/api/v1/retrieval/process/files/batch", { files: [], collection_name: "c" }],
      ];
      for (const [path, body] of routes) {
        expect((await t.request("POST", path, { body })).status).toBe(401);
        expect((await t.request("POST", path, { token: pending, body })).status).toBe(401);
      }
      // /ef/{text} exists only with ENV=dev and needs an engine.
      expect((await t.request("GET", "/api/v1/retrieval/ef/hello")).status).toBe(400);
    });
  });
}
