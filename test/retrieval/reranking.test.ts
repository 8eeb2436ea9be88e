// Hybrid search with the external reranker (RAG_RERANKING_ENGINE=external): candidates go to a
// fake rerank API on loopback, come back ordered by its scores, cut at TOP_K_RERANKER and the
// relevance threshold; a failing or local reranker leaves the cosine-scored hybrid search.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { retrieveSources } from "../../src/retrieval/chat";
import { findUserById } from "../../src/users/repository";
import { startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { uploadAndProcess } from "../support/uploads";
import { insertUser } from "../support/users";
import { startFakeEmbedder, type FakeEmbedder } from "../fakes/embeddings";
import { startFakeReranker, type FakeReranker } from "../fakes/reranker";

const FRUITS = {
  apple: "Apple fruit grows on trees in orchards and is often red.",
  banana: "Banana fruit is long, yellow and grows in tropical bunches.",
  cherry: "Cherry fruit is small, round and dark red with a stone.",
  date: "Date fruit is sweet and brown and grows on palm trees.",
};
const RERANK_SCORES: Record<string, number> = { Date: 0.92, Banana: 0.71, Apple: 0.43, Cherry: 0.08 };
const scoreByFirstWord = (_query: string, document: string) => RERANK_SCORES[document.split(" ")[0]!] ?? 0;

for (const dialect of dialects) {
  describe(`external reranker (${dialect})`, () => {
    let t: TestApp;
    let embedder: FakeEmbedder;
    let reranker: FakeReranker;
    let admin: string;
    let userId: string;
    let user: string;
    let kbId: string;

    const queryCollection = (body: Record<string, unknown> = {}) =>
      t.request("POST", "/api/v1/retrieval/query/collection", {
        token: user,
        body: { collection_names: [kbId], query: "which fruit grows on trees", k: 4, ...body },
      });

    const configure = (body: Record<string, unknown>) =>
      t.request("POST", "/api/v1/retrieval/config/update", { token: admin, body });

    const useReranker = () =>
      configure({
        ENABLE_RAG_HYBRID_SEARCH: true,
        RAG_RERANKING_ENGINE: "external",
        RAG_RERANKING_MODEL: "fake-rerank-v1",
        RAG_EXTERNAL_RERANKER_URL: reranker.url,
        RAG_EXTERNAL_RERANKER_API_KEY: "rk-secret",
        TOP_K_RERANKER: 3,
        RELEVANCE_THRESHOLD: 0,
      });

    beforeAll(async () => {
      embedder = startFakeEmbedder();
      reranker = startFakeReranker();
      t = await startTestApp(dialect, {
        RAG_EMBEDDING_ENGINE: "openai",
        RAG_EMBEDDING_MODEL: "fake-embedder",
        RAG_OPENAI_API_BASE_URL: `${embedder.url}/v1`,
        RAG_OPENAI_API_KEY: "sk-fake",
        CHUNK_SIZE: "500",
        ENABLE_FORWARD_USER_INFO_HEADERS: "true",
        AIOHTTP_CLIENT_TIMEOUT: "1",
        USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS: "true",
      });
      admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
      userId = (await insertUser(t.ctx)).id;
      user = t.tokenFor(userId);
      const kb = await t.request("POST", "/api/v1/knowledge/create", { token: user, body: { name: "Fruit", description: "d" } });
      kbId = kb.body.id;
      for (const [name, content] of Object.entries(FRUITS)) {
        const { uploaded } = await uploadAndProcess(t, user, { name: `${name}.txt`, content });
        const added = await t.request("POST", `/api/v1/knowledge/${kbId}/file/add`, { token: user, body: { file_id: uploaded.id } });
        expect(added.status).toBe(200);
      }
    });

    afterAll(async () => {
      await t.close();
      await t.database.drop();
      embedder.stop();
      reranker.stop();
    });

    test("the reranker settings are read and written through /retrieval/config", async () => {
      expect((await useReranker()).status).toBe(200);
      const config = await t.request("GET", "/api/v1/retrieval/config", { token: admin });
      expect(config.body).toMatchObject({
        ENABLE_RAG_HYBRID_SEARCH: true,
        RAG_RERANKING_ENGINE: "external",
        RAG_RERANKING_MODEL: "fake-rerank-v1",
        RAG_EXTERNAL_RERANKER_URL: reranker.url,
        RAG_EXTERNAL_RERANKER_API_KEY: "rk-secret",
        TOP_K_RERANKER: 3,
      });
    });

    test("candidates are ordered by the reranker's scores, cut at TOP_K_RERANKER", async () => {
      await useReranker();
      reranker.scoreWith(scoreByFirstWord);
      reranker.calls.length = 0;
      const result = await queryCollection();
      expect(result.status).toBe(200);
      expect(result.body.documents[0].map((d: string) => d.split(" ")[0])).toEqual(["Date", "Banana", "Apple"]);
      expect(result.body.distances[0]).toEqual([0.92, 0.71, 0.43]);
      expect(result.body.metadatas[0].map((m: { score: number }) => m.score)).toEqual([0.92, 0.71, 0.43]);
      expect(reranker.calls).toHaveLength(1);
      const [call] = reranker.calls;
      expect(call!.body).toMatchObject({ model: "fake-rerank-v1", query: "which fruit grows on trees", top_n: 4 });
      expect([...call!.body.documents].sort()).toEqual(Object.values(FRUITS).sort());
      expect(call!.authorization).toBe("Bearer rk-secret");
      expect(call!.userId).toBe(userId);
    });

    test("query/doc reranks one collection the same way", async () => {
      await useReranker();
      reranker.scoreWith(scoreByFirstWord);
      const result = await t.request("POST", "/api/v1/retrieval/query/doc", {
        token: user,
        body: { collection_name: kbId, query: "which fruit grows on trees", k: 4, k_reranker: 2 },
      });
      expect(result.status).toBe(200);
      expect(result.body.distances[0]).toEqual([0.92, 0.71]);
      expect(result.body.documents[0][0]).toBe(FRUITS.date);
    });

    test("the relevance threshold drops candidates scored below it; k below TOP_K_RERANKER cuts further", async () => {
      await useReranker();
      reranker.scoreWith(scoreByFirstWord);
      const thresholded = await queryCollection({ r: 0.5 });
      expect(thresholded.body.distances[0]).toEqual([0.92, 0.71]);
      await configure({ RELEVANCE_THRESHOLD: 0.8 });
      expect((await queryCollection()).body.distances[0]).toEqual([0.92]);
      await configure({ RELEVANCE_THRESHOLD: 0 });
      reranker.calls.length = 0;
      const fewer = await queryCollection({ k: 1, k_reranker: 3 });
      expect(fewer.body.documents[0]).toHaveLength(1);
      const sent = reranker.calls.flatMap((c) => c.body.documents);
      const best = Math.max(...sent.map((d) => scoreByFirstWord("", d)));
      expect(fewer.body.distances[0]).toEqual([best]);
    });

    test("chat retrieval uses the reranked order and scores", async () => {
      await useReranker();
      reranker.scoreWith(scoreByFirstWord);
      const row = (await findUserById(t.ctx.db, userId))!;
      const rag = await retrieveSources(t.ctx, row, [{ type: "collection", id: kbId, name: "Fruit" }], [
        { role: "user", content: "which fruit grows on trees" },
      ]);
      expect(rag.sources[0]!.document[0]).toBe(FRUITS.date);
      expect(rag.sources[0]!.distances![0]).toBe(0.92);
    });

    test("a failing, slow, unreachable or unset reranker leaves the hybrid search without reranking", async () => {
      await configure({ ENABLE_RAG_HYBRID_SEARCH: true, RAG_RERANKING_MODEL: "", TOP_K_RERANKER: 3, RELEVANCE_THRESHOLD: 0 });
      const plain = await queryCollection();
      expect(plain.status).toBe(200);
      expect(plain.body.documents[0]).toHaveLength(3);

      await useReranker();
      reranker.failWith(500);
      try {
        const failed = await queryCollection();
        expect(failed.status).toBe(200);
        expect(failed.body).toEqual(plain.body);
      } finally {
        reranker.failWith(0);
      }

      reranker.delay(1500);
      try {
        expect((await queryCollection()).body).toEqual(plain.body);
      } finally {
        reranker.delay(0);
      }

      await configure({ RAG_EXTERNAL_RERANKER_URL: "http://127.0.0.1:9/v1/rerank" });
      expect((await queryCollection()).body).toEqual(plain.body);

      await configure({ RAG_EXTERNAL_RERANKER_URL: "" });
      expect((await queryCollection()).body).toEqual(plain.body);
    });

    test("local engines are not run: no call, the hybrid search without reranking", async () => {
      await configure({ ENABLE_RAG_HYBRID_SEARCH: true, RAG_RERANKING_MODEL: "", TOP_K_RERANKER: 3, RELEVANCE_THRESHOLD: 0 });
      const plain = await queryCollection();
      await useReranker();
      await configure({ RAG_RERANKING_ENGINE: "" });
      reranker.calls.length = 0;
      expect((await queryCollection()).body).toEqual(plain.body);
      await configure({ RAG_RERANKING_ENGINE: "external", RAG_RERANKING_MODEL: "jinaai/jina-colbert-v2" });
      expect((await queryCollection()).body).toEqual(plain.body);
      expect(reranker.calls).toHaveLength(0);
    });

    test("with hybrid search off the reranker is not asked", async () => {
      await useReranker();
      await configure({ ENABLE_RAG_HYBRID_SEARCH: false });
      reranker.calls.length = 0;
      const result = await queryCollection();
      expect(result.status).toBe(200);
      expect(reranker.calls).toHaveLength(0);
    });
  });
}
