// Text extraction from uploaded files, by extension and content type like Open WebUI's Loader:
// PDF (unpdf, one document per page), DOCX (mammoth), CSV (one document per row), HTML
// (html-to-text), and text, markdown, code and JSON as text. Anything else fails with a reason
// the user sees. With CONTENT_EXTRACTION_ENGINE=tika or external, files go to that service.
import type { Metadata } from "./vector/types";

export interface LoadedDocument {
  text: string;
  metadata: Metadata;
}

export class UnsupportedFileError extends Error {}

export interface ExtractionSettings {
  engine: string;
  tikaUrl: string;
  externalUrl: string;
  externalKey: string;
}

/** Extensions read as plain text (Open WebUI's known_source_ext plus the obvious text formats). */
const TEXT_EXTENSIONS = new Set([
  "txt", "md", "markdown", "rst", "xml", "yaml", "yml", "toml", "tsv", "json", "jsonl", "go", "py", "java", "sh",
  "bat", "ps1", "cmd", "js", "mjs", "cjs", "ts", "css", "scss", "cpp", "hpp", "h", "c", "cs", "sql", "log", "ini",
  "pl", "pm", "r", "dart", "dockerfile", "env", "php", "hs", "hsc", "lua", "nginxconf", "conf", "m", "mm", "plsql",
  "perl", "rb", "rs", "db2", "scala", "bash", "swift", "vue", "svelte", "ex", "exs", "erl", "tsx", "jsx", "lhs",
  "kt", "kts", "gradle", "tex", "srt", "vtt", "cfg", "properties", "graphql", "proto", "zig", "nim", "jl", "clj",
]);

const NOT_SUPPORTED = new Set(["xls", "xlsx", "ods", "ppt", "pptx", "odp", "doc", "odt", "epub", "msg", "rtf"]);

export function fileExtension(filename: string): string {
  const dot = filename.lastIndexOf(".");
  return dot >= 0 ? filename.slice(dot + 1).toLowerCase() : "";
}

export async function loadDocuments(
  filename: string,
  contentType: string | null | undefined,
  bytes: Uint8Array,
  settings: ExtractionSettings,
): Promise<LoadedDocument[]> {
  const ext = fileExtension(filename);
  const type = (contentType ?? "").toLowerCase();
  if (settings.engine === "tika" && settings.tikaUrl && !isTextType(ext, type)) return tika(settings.tikaUrl, bytes, type);
  if (settings.engine === "external" && settings.externalUrl && settings.externalKey) {
    return external(settings.externalUrl, settings.externalKey, filename, bytes, type);
  }
  if (settings.engine && !["tika", "external"].includes(settings.engine)) {
    throw new UnsupportedFileError(`The content extraction engine "${settings.engine}" is not supported by this server`);
  }
  if (ext === "pdf" || type === "application/pdf") return pdf(bytes);
  if (ext === "docx" || type === "application/vnd.openxmlformats-officedocument.wordprocessingml.document") return docx(bytes);
  if (ext === "csv" || type === "text/csv") return csv(decodeText(bytes));
  if (ext === "html" || ext === "htm" || type === "text/html") return [{ text: await html(decodeText(bytes)), metadata: {} }];
  if (NOT_SUPPORTED.has(ext)) throw new UnsupportedFileError(`Extracting text from .${ext} files is not supported by this server`);
  if (isTextType(ext, type) || looksLikeText(bytes)) return [{ text: decodeText(bytes), metadata: {} }];
  throw new UnsupportedFileError(
    `This file (${type || (ext ? `.${ext}` : "unknown type")}) does not contain text this server can extract`,
  );
}

function isTextType(ext: string, type: string): boolean {
  return TEXT_EXTENSIONS.has(ext) || (type.startsWith("text/") && !type.includes("html")) || type === "application/json";
}

/** UTF-8 (with or without BOM), else UTF-16 with a BOM, else Latin-1. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder("latin1").decode(bytes);
  }
}

/** No NUL bytes and valid UTF-8 in the first 8 KiB. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return true;
  } catch {
    return false;
  }
}

// The parser libraries (PDF, Word, CSV, HTML) load on first use: imported at start they add
// megabytes to the memory of a server that may never see such a file.
async function pdf(bytes: Uint8Array): Promise<LoadedDocument[]> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  let pages: string[];
  try {
    const document = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractText(document, { mergePages: false })).text;
  } catch (error) {
    throw new UnsupportedFileError(`The PDF could not be read: ${(error as Error).message}`);
  }
  return pages.map((text, page) => ({ text, metadata: { page, page_label: String(page + 1), total_pages: pages.length } }));
}

async function docx(bytes: Uint8Array): Promise<LoadedDocument[]> {
  const { default: mammoth } = await import("mammoth");
  try {
    const result = await mammoth.extractRawText({ buffer: Buffer.from(bytes) });
    return [{ text: result.value, metadata: {} }];
  } catch (error) {
    throw new UnsupportedFileError(`The Word document could not be read: ${(error as Error).message}`);
  }
}

/** One document per row, "column: value" lines, like LangChain's CSVLoader. */
async function csv(text: string): Promise<LoadedDocument[]> {
  const { default: Papa } = await import("papaparse");
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true });
  return parsed.data.map((row, index) => ({
    text: Object.entries(row)
      .map(([key, value]) => `${key.trim()}: ${Array.isArray(value) ? value.join(",") : (value ?? "").trim()}`)
      .join("\n"),
    metadata: { row: index },
  }));
}

export async function html(markup: string): Promise<string> {
  const { convert: htmlToText } = await import("html-to-text");
  return htmlToText(markup, {
    wordwrap: false,
    selectors: [
      { selector: "a", options: { ignoreHref: true } },
      { selector: "img", format: "skip" },
      { selector: "script", format: "skip" },
      { selector: "style", format: "skip" },
    ],
  });
}

async function tika(baseUrl: string, bytes: Uint8Array, type: string): Promise<LoadedDocument[]> {
  const url = `${baseUrl.replace(/\/?$/, "/")}tika/text`;
  const response = await fetch(url, {
    method: "PUT",
    body: bytes,
    headers: { accept: "application/json", ...(type ? { "content-type": type } : {}) },
    signal: AbortSignal.timeout(120_000),
  }).catch((error) => {
    throw new UnsupportedFileError(`The Tika server could not be reached: ${(error as Error).message}`);
  });
  if (!response.ok) throw new UnsupportedFileError(`The Tika server answered ${response.status}`);
  const data = (await response.json()) as Record<string, unknown>;
  const text = String(data["X-TIKA:content"] ?? "");
  return [{ text, metadata: { "Content-Type": String(data["Content-Type"] ?? type) } }];
}

async function external(baseUrl: string, key: string, filename: string, bytes: Uint8Array, type: string): Promise<LoadedDocument[]> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/process`, {
    method: "PUT",
    body: bytes,
    headers: {
      authorization: `Bearer ${key}`,
      "x-filename": encodeURIComponent(filename),
      ...(type ? { "content-type": type } : {}),
    },
    signal: AbortSignal.timeout(300_000),
  }).catch((error) => {
    throw new UnsupportedFileError(`The document loader could not be reached: ${(error as Error).message}`);
  });
  if (!response.ok) throw new UnsupportedFileError(`The document loader answered ${response.status}`);
  const data = (await response.json()) as unknown;
  const items = Array.isArray(data) ? data : [data];
  return items.map((item) => {
    const doc = (item ?? {}) as { page_content?: unknown; metadata?: unknown };
    const metadata = doc.metadata && typeof doc.metadata === "object" ? (doc.metadata as Metadata) : {};
    return { text: String(doc.page_content ?? ""), metadata };
  });
}
