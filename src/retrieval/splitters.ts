// Chunking by TEXT_SPLITTER: "" or "character" (LangChain's recursive character splitter),
// "token" (the same token splitter over a tiktoken encoding), "markdown_header" (sections under
// their headings, each then split by characters). Every chunk records `start_index`, its
// position in the source text, like Open WebUI's add_start_index.
// The splitters and tokenizer load on first use: imported at start they add about 8 MB of memory.
import type { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import type { Tiktoken } from "js-tiktoken/lite";
import type { LoadedDocument } from "./loaders";

export interface SplitSettings {
  splitter: string;
  chunkSize: number;
  chunkOverlap: number;
  encoding: string;
}

export class SplitterError extends Error {}

const ENCODINGS: Record<string, () => Promise<{ default: ConstructorParameters<typeof Tiktoken>[0] }>> = {
  cl100k_base: () => import("js-tiktoken/ranks/cl100k_base"),
  o200k_base: () => import("js-tiktoken/ranks/o200k_base"),
  p50k_base: () => import("js-tiktoken/ranks/p50k_base"),
  r50k_base: () => import("js-tiktoken/ranks/r50k_base"),
  gpt2: () => import("js-tiktoken/ranks/gpt2"),
};
const tokenizers = new Map<string, Promise<Tiktoken>>();

export function tokenizer(encoding: string): Promise<Tiktoken> {
  const load = ENCODINGS[encoding];
  if (!load) throw new SplitterError(`Unknown tiktoken encoding "${encoding}"`);
  let cached = tokenizers.get(encoding);
  if (!cached) {
    cached = Promise.all([import("js-tiktoken/lite"), load()]).then(([lib, ranks]) => new lib.Tiktoken(ranks.default));
    tokenizers.set(encoding, cached);
  }
  return cached;
}

export async function splitDocuments(documents: LoadedDocument[], settings: SplitSettings): Promise<LoadedDocument[]> {
  const { chunkSize, chunkOverlap } = settings;
  if (!(chunkSize > 0) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new SplitterError(`CHUNK_OVERLAP (${chunkOverlap}) must be below CHUNK_SIZE (${chunkSize})`);
  }
  const { RecursiveCharacterTextSplitter, TokenTextSplitter } = await import("@langchain/textsplitters");
  const character = new RecursiveCharacterTextSplitter({ chunkSize, chunkOverlap });
  switch (settings.splitter) {
    case "":
    case "character":
      return splitEach(documents, (text) => character.splitText(text), chunkOverlap);
    case "token": {
      const splitter = new TokenTextSplitter({ chunkSize, chunkOverlap, encodingName: settings.encoding as "cl100k_base" });
      // Ranks come from the installed package: the library would otherwise download them.
      (splitter as unknown as { tokenizer: Tiktoken }).tokenizer = await tokenizer(settings.encoding);
      return splitEach(documents, (text) => splitter.splitText(text), chunkOverlap);
    }
    case "markdown_header":
      return splitMarkdown(documents, character, chunkOverlap);
    default:
      throw new SplitterError("[ERROR: Invalid text splitter]");
  }
}

async function splitEach(
  documents: LoadedDocument[],
  split: (text: string) => Promise<string[]>,
  overlap: number,
): Promise<LoadedDocument[]> {
  const out: LoadedDocument[] = [];
  for (const doc of documents) {
    let index = 0;
    let previous = 0;
    for (const chunk of await split(doc.text)) {
      index = doc.text.indexOf(chunk, Math.max(0, index + previous - overlap));
      previous = chunk.length;
      out.push({ text: chunk, metadata: { ...doc.metadata, start_index: index } });
    }
  }
  return out;
}

/** Sections start at a heading line (#..######); each carries the headings above it. */
async function splitMarkdown(documents: LoadedDocument[], splitter: RecursiveCharacterTextSplitter, overlap: number) {
  const out: LoadedDocument[] = [];
  for (const doc of documents) {
    const sections: { text: string; headings: string[] }[] = [];
    const trail: string[] = [];
    let lines: string[] = [];
    let fence = false;
    const flush = () => {
      const text = lines.join("\n").trim();
      if (text) sections.push({ text, headings: trail.filter(Boolean) });
      lines = [];
    };
    for (const line of doc.text.split("\n")) {
      if (/^\s*(```|~~~)/.test(line)) fence = !fence;
      const heading = fence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
      if (heading) {
        flush();
        const level = (heading[1] as string).length;
        trail.length = level;
        trail[level - 1] = heading[2] as string;
      }
      lines.push(line);
    }
    flush();
    for (const section of sections) {
      const chunks = await splitEach([{ text: section.text, metadata: {} }], (t) => splitter.splitText(t), overlap);
      for (const chunk of chunks) out.push({ text: chunk.text, metadata: { ...doc.metadata, ...chunk.metadata, headings: section.headings } });
    }
  }
  return out;
}
