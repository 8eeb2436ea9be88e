// Chunking: character, token and markdown-header splitters, with start_index.
import { describe, expect, test } from "bun:test";
import { splitDocuments, SplitterError, tokenizer } from "../../src/retrieval/splitters";

const settings = (splitter: string, chunkSize: number, chunkOverlap: number) => ({ splitter, chunkSize, chunkOverlap, encoding: "cl100k_base" });

describe("splitters", () => {
  test("character splitter keeps chunks under CHUNK_SIZE and records where each starts", async () => {
    const text = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} is here.`).join(" ");
    const chunks = await splitDocuments([{ text, metadata: { page: 1 } }], settings("", 100, 20));
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(100);
      expect(text.slice(chunk.metadata.start_index as number).startsWith(chunk.text)).toBe(true);
      expect(chunk.metadata.page).toBe(1);
    }
  });

  test("token splitter counts cl100k tokens", async () => {
    const text = "alpha beta gamma delta ".repeat(200);
    const chunks = await splitDocuments([{ text, metadata: {} }], settings("token", 50, 5));
    const encoder = await tokenizer("cl100k_base");
    for (const chunk of chunks) expect(encoder.encode(chunk.text).length).toBeLessThanOrEqual(50);
    expect(chunks.length).toBeGreaterThan(15);
  });

  test("markdown header splitter keeps the heading trail", async () => {
    const text = "# Animals\nIntro.\n## Cats\nCats purr.\n```\n# not a heading\n```\n## Dogs\nDogs bark.";
    const chunks = await splitDocuments([{ text, metadata: {} }], settings("markdown_header", 200, 0));
    expect(chunks.map((c) => c.metadata.headings)).toEqual([["Animals"], ["Animals", "Cats"], ["Animals", "Dogs"]]);
    expect(chunks[1]!.text).toContain("# not a heading");
  });

  test("bad settings are refused", async () => {
    await expect(splitDocuments([{ text: "x", metadata: {} }], settings("", 10, 10))).rejects.toBeInstanceOf(SplitterError);
    await expect(splitDocuments([{ text: "x", metadata: {} }], settings("words", 10, 1))).rejects.toThrow("Invalid text splitter");
  });
});
