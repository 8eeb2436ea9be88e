// A deterministic chat history for the benchmark: N chats of about K kilobytes for one user, shaped
// like the frontend's documents, plus one very large chat.

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "wen", "dar", "pel", "qui", "son", "bra", "tel", "gor"];

function vocabulary(random: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 1 + Math.floor(random() * 3);
    let word = "";
    for (let i = 0; i < n; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(word);
  }
  return [...words];
}

export const COMMON_WORD = "benchmark";
export const RARE_WORD = "zanzibarquux";

export interface Row {
  id: string;
  user_id: string;
  title: string;
  share_id: null;
  archived: boolean;
  created_at: number;
  updated_at: number;
  chat: string;
  pinned: boolean;
  meta: string;
  folder_id: string | null;
}

export function* chatRows(options: {
  userId: string;
  count: number;
  kilobytes: number;
  folderId: string;
  seed?: number;
}): Generator<Row> {
  const random = prng(options.seed ?? 42);
  const words = vocabulary(random, 2000);
  const text = (length: number) => {
    const parts: string[] = [];
    let size = 0;
    while (size < length) {
      const word = random() < 0.01 ? COMMON_WORD : words[Math.floor(random() * words.length)]!;
      parts.push(word);
      size += word.length + 1;
    }
    return parts.join(" ");
  };
  const turns = 10;
  const messageSize = Math.max(100, Math.floor((options.kilobytes * 1024) / (turns * 2 * 2)) - 200);
  for (let i = 0; i < options.count; i++) {
    const extra = i === 0 ? ` ${RARE_WORD}` : "";
    yield row(options, i, document(`Chat ${i} ${words[i % words.length]}`, turns, () => text(messageSize), extra));
  }
}

function document(title: string, turns: number, content: () => string, extra = "") {
  const messages: Record<string, Record<string, unknown>> = {};
  const branch: Record<string, unknown>[] = [];
  let parent: string | null = null;
  for (let t = 0; t < turns * 2; t++) {
    const id = crypto.randomUUID();
    const assistant = t % 2 === 1;
    const message: Record<string, unknown> = {
      id,
      parentId: parent,
      childrenIds: [],
      role: assistant ? "assistant" : "user",
      content: content() + (t === 0 ? extra : ""),
      timestamp: 1_761_800_000 + t,
      ...(assistant ? { model: "gpt-4o", modelName: "GPT-4o", modelIdx: 0, done: true } : { models: ["gpt-4o"] }),
    };
    if (parent) (messages[parent]!.childrenIds as string[]).push(id);
    messages[id] = message;
    branch.push(message);
    parent = id;
  }
  return {
    id: "",
    title,
    models: ["gpt-4o"],
    params: {},
    history: { currentId: parent, messages },
    messages: branch,
    tags: [],
    timestamp: 1_761_800_000_000,
    files: [],
  };
}

function row(options: { userId: string; count: number; folderId: string }, i: number, doc: ReturnType<typeof document>): Row {
  const updated = 1_700_000_000 + i * 60;
  return {
    id: crypto.randomUUID(),
    user_id: options.userId,
    title: doc.title,
    share_id: null,
    archived: i % 50 === 49,
    created_at: updated,
    updated_at: updated,
    chat: JSON.stringify(doc),
    pinned: i % 100 === 37,
    meta: JSON.stringify({ tags: i % 10 === 0 ? ["project_alpha"] : [] }),
    folder_id: i % 20 === 11 ? options.folderId : null,
  };
}

/** One chat of about `megabytes` MB: long turns, as a pasted-documents conversation grows. */
export function hugeRow(userId: string, megabytes: number): Row {
  const random = prng(7);
  const words = vocabulary(random, 2000);
  const messageSize = 9_000;
  const turns = Math.ceil((megabytes * 1024 * 1024) / (messageSize * 2 * 2));
  const text = () => {
    const parts: string[] = [];
    let size = 0;
    while (size < messageSize) {
      const word = words[Math.floor(random() * words.length)]!;
      parts.push(word);
      size += word.length + 1;
    }
    return parts.join(" ");
  };
  const doc = document("Huge chat", turns, text);
  return { ...row({ userId, count: 1, folderId: "" }, 0, doc), updated_at: 1_600_000_000, created_at: 1_600_000_000, archived: false, pinned: false, folder_id: null, meta: "{}" };
}
