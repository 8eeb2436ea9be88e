// The assistant message as it streams in: text, reasoning (from `reasoning_content` deltas or
// <think>-style tags), solution, tool-call and code interpreter blocks, serialized the way Open
// WebUI stores and renders it (`<details type="reasoning" …>`, `<details type="tool_calls" …>`,
// `<details type="code_interpreter" …>`).
//
// Cost per token is constant: text is appended, tags are looked for only in a short window at
// the end, and what the browser already has is tracked, so plain text goes out as an appended
// delta. Only a change of structure (a reasoning block growing or closing) needs the whole text,
// which the caller sends at a bounded rate.

import { htmlEscape, pythonJsonDumps } from "../core/python-json";

export type TagPair = readonly [string, string];

export const DEFAULT_REASONING_TAGS: TagPair[] = [
  ["<think>", "</think>"],
  ["<thinking>", "</thinking>"],
  ["<reason>", "</reason>"],
  ["<reasoning>", "</reasoning>"],
  ["<thought>", "</thought>"],
  ["<Thought>", "</Thought>"],
  ["<|begin_of_thought|>", "<|end_of_thought|>"],
  ["◁think▷", "◁/think▷"],
];
const SOLUTION_TAGS: TagPair[] = [["<|begin_of_solution|>", "<|end_of_solution|>"]];
const CODE_INTERPRETER_TAGS: TagPair[] = [["<code_interpreter>", "</code_interpreter>"]];

/** How many trailing characters are kept for tag matching (tags with attributes included). */
const WINDOW = 256;

interface TextBlock {
  type: "text";
  content: string;
  tail: string;
  /** A non-space character has been seen (the leading whitespace is behind us). */
  started: boolean;
  /** Trailing whitespace not yet part of the visible text. */
  pending: string;
}

type TaggedType = "reasoning" | "solution" | "code_interpreter";

interface TaggedBlock {
  type: TaggedType;
  content: string;
  tail: string;
  startTag: string;
  endTag: string;
  fromDeltas: boolean;
  startedAt: number;
  duration?: number;
  /** The start tag's key="value" pairs (code interpreter: type, lang). */
  attributes: Record<string, string>;
  /** Code interpreter: the end tag was seen; the code waits to run. */
  closed?: boolean;
  /** Code interpreter: what running the code gave (undefined until it ran). */
  output?: unknown;
}

/** One round of native tool calls and, once they ran, their results. */
interface ToolCallsBlock {
  type: "tool_calls";
  calls: Json[];
  results: Json[] | null;
}

type Block = TextBlock | TaggedBlock | ToolCallsBlock;
type Json = Record<string, unknown>;

export type Update = { kind: "append"; text: string } | { kind: "replace"; content: string };

// Python's str.isspace, so strip() behaves like the reference's.
const SPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const isSpace = (char: string) => SPACE.test(char);

export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text[start] as string)) start++;
  while (end > start && isSpace(text[end - 1] as string)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1] as string)) end--;
  return text.slice(0, end);
}

/** str.splitlines(): no empty last line for a trailing break. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (/(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])$/.test(text)) lines.pop();
  return lines;
}

const fn = (call: Json) => (typeof call.function === "object" && call.function !== null ? (call.function as Json) : {});
const attr = (value: unknown, ensureAscii = true) => htmlEscape(pythonJsonDumps(value, ensureAscii));

/** A tool call as Open WebUI shows it: executing, or done with its result. */
function toolCallDetails(call: Json, result: Json | undefined, leadingBreak: boolean): string {
  const head = `<details type="tool_calls" done="${result ? "true" : "false"}" id="${call.id ?? ""}" name="${fn(call).name ?? ""}" arguments="${attr(fn(call).arguments ?? "")}"`;
  if (!result) return `${leadingBreak ? "\n" : ""}${head}>\n<summary>Executing...</summary>\n</details>\n`;
  const files = result.files ? attr(result.files) : "";
  return `${head} result="${attr(result.content, false)}" files="${files}" embeds="${attr(result.embeds ?? "")}">\n<summary>Tool Executed</summary>\n</details>\n`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** <tag> also matches <tag attr="…">; other markers match literally. */
function startPattern(tag: string): RegExp {
  if (tag.startsWith("<") && tag.endsWith(">")) return new RegExp(`<${escapeRegex(tag.slice(1, -1))}(\\s[^\\n]*?)?>`, "g");
  return new RegExp(escapeRegex(tag), "g");
}

/** The first match of `pattern` in `text` that ends after index `after`. */
function firstMatchEndingAfter(pattern: RegExp, text: string, after: number): { index: number; text: string } | null {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index + match[0].length > after) return { index: match.index, text: match[0] };
    pattern.lastIndex = match.index + 1;
  }
  return null;
}

/** extract_attributes: key="value" pairs of a start tag. */
function tagAttributes(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, key, value] of tag.matchAll(/(\w+)\s*=\s*"([^"]+)"/g)) attributes[key as string] = value as string;
  return attributes;
}

function isClosedCode(block: Block): boolean {
  return block.type === "code_interpreter" && block.closed === true && block.output === undefined;
}

function newText(): TextBlock {
  return { type: "text", content: "", tail: "", started: false, pending: "" };
}

export class ReplyBuilder {
  private blocks: Block[];
  private dirty = true;
  private appended = "";
  private needSeparator = false;
  private readonly tagSets: { type: TaggedType; tags: { pair: TagPair; pattern: RegExp }[] }[];
  private readonly tagEnds: string[];

  /**
   * `reasoningTags`: null turns reasoning detection off; a custom pair replaces the defaults.
   * `codeInterpreter`: <code_interpreter> blocks are detected (features.code_interpreter).
   */
  constructor(
    initialContent = "",
    reasoningTags: TagPair[] | null = DEFAULT_REASONING_TAGS,
    private readonly clock: () => number = () => Date.now() / 1000,
    codeInterpreter = false,
  ) {
    const compile = (pairs: TagPair[]) => pairs.map((pair) => ({ pair, pattern: startPattern(pair[0]) }));
    this.tagSets = [];
    if (reasoningTags) {
      this.tagSets.push({ type: "reasoning", tags: compile(reasoningTags) }, { type: "solution", tags: compile(SOLUTION_TAGS) });
    }
    if (codeInterpreter) this.tagSets.push({ type: "code_interpreter", tags: compile(CODE_INTERPRETER_TAGS) });
    this.tagEnds = [...new Set(this.tagSets.flatMap((set) => set.tags.map(({ pair }) => pair[0].slice(-1))))];
    const first = newText();
    this.blocks = [first];
    if (initialContent) this.appendText(first, initialContent);
  }

  private get last(): Block {
    return this.blocks[this.blocks.length - 1] as Block;
  }

  /** delta.reasoning_content / reasoning / thinking. */
  addReasoning(text: string): void {
    if (!text) return;
    let block = this.last;
    if (block.type !== "reasoning") {
      block = {
        type: "reasoning",
        content: "",
        tail: "",
        startTag: "<think>",
        endTag: "</think>",
        fromDeltas: true,
        startedAt: this.clock(),
        attributes: {},
      };
      this.blocks.push(block);
    }
    block.content += text;
    block.tail = (block.tail + text).slice(-WINDOW);
    this.dirty = true;
  }

  /** delta.content. */
  addContent(text: string): void {
    if (!text) return;
    const current = this.last;
    if ((current.type === "reasoning" && current.fromDeltas) || current.type === "tool_calls" || isClosedCode(current)) {
      if (current.type === "reasoning") this.close(current);
      this.blocks.push(newText());
      this.dirty = true;
    }
    const block = this.last;
    if (block.type === "tool_calls") return;
    if (block.type === "text") {
      this.appendText(block, text);
      if (this.tagSets.length) this.findStart(block, Math.min(text.length, block.tail.length));
    } else {
      block.content += text;
      block.tail = (block.tail + text).slice(-WINDOW);
      this.dirty = true;
      this.findEnd(block, Math.min(text.length, block.tail.length));
    }
  }

  /** End of the stream: trailing whitespace dropped, an open reasoning block given its duration. */
  finish(): void {
    const last = this.last;
    if (last.type === "text") {
      const stripped = pyStrip(last.content);
      if (!stripped && this.blocks.length > 1) this.blocks.pop();
      else last.content = stripped;
    }
    const end = this.last;
    if (end.type === "reasoning" && end.duration === undefined) {
      this.close(end);
      this.dirty = true;
    }
  }

  /** What the browser needs now to show exactly `serialize()`, or null when it is up to date. */
  takeUpdate(): Update | null {
    if (this.dirty) {
      const content = this.serialize();
      this.dirty = false;
      this.appended = "";
      const last = this.last;
      this.needSeparator = last.type === "text" && !last.started && content.length > 0;
      return { kind: "replace", content };
    }
    if (!this.appended) return null;
    const text = this.appended;
    this.appended = "";
    return { kind: "append", text };
  }

  /** True when the next update must carry the whole text. */
  get structureChanged(): boolean {
    return this.dirty;
  }

  serialize(): string {
    return serializeBlocks(this.blocks, false);
  }

  /** The reply as the model wrote it, code outputs included (for the call after running code). */
  serializeRaw(): string {
    return serializeBlocks(this.blocks, true);
  }

  /** The reply ends with a closed code interpreter block: the rest of the answer is not wanted. */
  get codeClosed(): boolean {
    return isClosedCode(this.last);
  }

  /** The last block's code when it is a code interpreter block that has not run yet. */
  pendingCode(): { code: string; attributes: Record<string, string> } | null {
    const last = this.last;
    if (last.type !== "code_interpreter" || last.output !== undefined) return null;
    return { code: last.content, attributes: last.attributes };
  }

  /** The output of the pending code; the reply goes on in a new text block. */
  setCodeOutput(output: unknown): void {
    const last = this.last;
    if (last.type !== "code_interpreter") return;
    last.output = output;
    last.closed = true;
    this.blocks.push(newText());
    this.dirty = true;
  }

  /** Native tool calls the reply made: shown as executing until their results come. */
  addToolCalls(calls: Json[]): void {
    this.blocks.push({ type: "tool_calls", calls, results: null });
    this.dirty = true;
  }

  /** The results of the last tool calls; the reply goes on in a new text block. */
  addToolResults(results: Json[]): void {
    const last = this.last;
    if (last.type === "tool_calls") last.results = results;
    this.blocks.push(newText());
    this.dirty = true;
  }

  /**
   * The reply so far as chat messages for the next call (convert_content_blocks_to_messages with
   * raw text): an assistant message per tool-call round, then the tool results.
   */
  toMessages(): Json[] {
    const messages: Json[] = [];
    let pending: Block[] = [];
    for (const block of this.blocks) {
      if (block.type !== "tool_calls") {
        pending.push(block);
        continue;
      }
      messages.push({ role: "assistant", content: serializeBlocks(pending, true), tool_calls: block.calls });
      for (const result of block.results ?? []) {
        messages.push({ role: "tool", tool_call_id: result.tool_call_id, content: result.content || "" });
      }
      pending = [];
    }
    const rest = pending.length ? serializeBlocks(pending, true) : "";
    if (rest) messages.push({ role: "assistant", content: rest });
    return messages;
  }

  private close(block: TaggedBlock): void {
    block.duration = Math.max(0, Math.trunc(this.clock() - block.startedAt));
  }

  /** Appends text and records the newly visible part (whitespace is held back until followed). */
  private appendText(block: TextBlock, text: string): void {
    block.content += text;
    block.tail = (block.tail + text).slice(-WINDOW);
    let rest = text;
    if (!block.started) {
      let i = 0;
      while (i < rest.length && isSpace(rest[i] as string)) i++;
      if (i === rest.length) return;
      block.started = true;
      rest = rest.slice(i);
      if (this.needSeparator && !this.dirty) this.appended += "\n";
      this.needSeparator = false;
    }
    const joined = block.pending + rest;
    let end = joined.length;
    while (end > 0 && isSpace(joined[end - 1] as string)) end--;
    block.pending = joined.slice(end);
    if (end > 0 && !this.dirty) this.appended += joined.slice(0, end);
  }

  /** A start tag that ends in the newly added text turns the rest into a tagged block. */
  private findStart(block: TextBlock, added: number): void {
    const fresh = block.tail.length - added;
    // A tag can only be completed by text that contains its last character.
    const recent = block.tail.slice(fresh);
    if (!this.tagEnds.some((c) => recent.includes(c))) return;
    for (const set of this.tagSets) {
      for (const { pair, pattern } of set.tags) {
        const match = firstMatchEndingAfter(pattern, block.tail, fresh);
        if (!match) continue;
        this.dirty = true;
        const position = block.content.length - block.tail.length + match.index;
        const before = block.content.slice(0, position);
        const after = block.content.slice(position + match.text.length);
        this.blocks.pop();
        if (before) {
          const kept = newText();
          this.blocks.push(kept);
          this.appendText(kept, before);
        }
        const tagged: TaggedBlock = {
          type: set.type,
          content: after,
          tail: after.slice(-WINDOW),
          startTag: pair[0],
          endTag: pair[1],
          fromDeltas: false,
          startedAt: this.clock(),
          attributes: tagAttributes(match.text),
        };
        this.blocks.push(tagged);
        if (after) this.findEnd(tagged, tagged.tail.length);
        return;
      }
    }
  }

  /** The end tag closes the block; what follows it starts a new text block. */
  private findEnd(block: TaggedBlock, added: number): void {
    const at = block.tail.indexOf(block.endTag, Math.max(0, block.tail.length - added - block.endTag.length + 1));
    if (at === -1) return;
    const split = block.content.indexOf(block.endTag);
    const inside = pyStrip(block.content.slice(0, split));
    const leftover = pyStrip(block.content.slice(split + block.endTag.length));
    if (inside) {
      block.content = inside;
      block.tail = inside.slice(-WINDOW);
      this.close(block);
      if (block.type === "code_interpreter") {
        // The code runs before the model goes on; what it wrote after the tag is dropped.
        block.closed = true;
        this.dirty = true;
        return;
      }
    } else this.blocks.pop();
    const text = newText();
    this.blocks.push(text);
    this.dirty = true;
    if (leftover) {
      this.appendText(text, leftover);
      if (this.tagSets.length) this.findStart(text, text.tail.length);
    }
  }
}

/** serialize_content_blocks: `raw` keeps reasoning in its tags and leaves tool calls out (for the model). */
function serializeBlocks(blocks: Block[], raw: boolean): string {
  let out = "";
  for (const block of blocks) {
    if (block.type === "text") {
      const text = pyStrip(block.content);
      if (text) out += `${text}\n`;
    } else if (block.type === "tool_calls") {
      if (out && !out.endsWith("\n")) out += "\n";
      if (raw) continue;
      const results = block.results;
      for (const call of block.calls) {
        const result = results?.find((r) => r.tool_call_id === (call.id ?? ""));
        out += toolCallDetails(call, result, !results);
      }
    } else if (block.type === "reasoning") {
      if (out && !out.endsWith("\n")) out += "\n";
      if (raw) {
        out += `${block.startTag}${block.content}${block.endTag}\n`;
        continue;
      }
      const display = splitLines(block.content)
        .map((line) => (line.startsWith(">") ? line : `> ${line}`))
        .join("\n");
      out +=
        block.duration !== undefined
          ? `<details type="reasoning" done="true" duration="${block.duration}">\n<summary>Thought for ${block.duration} seconds</summary>\n${display}\n</details>\n`
          : `<details type="reasoning" done="false">\n<summary>Thinking…</summary>\n${display}\n</details>\n`;
    } else if (block.type === "code_interpreter") {
      out = codeInterpreterDetails(beforeCodeBlock(out), block, raw);
    } else {
      const text = pyStrip(block.content);
      if (text) out += `${block.type}: ${text}\n`;
    }
  }
  return pyStrip(out);
}

/** The text before a code block, without backticks that would open a fence around it. */
function beforeCodeBlock(out: string): string {
  const stripped = pyRstrip(out);
  const whitespace = out.slice(stripped.length);
  const segments = stripped.split("```").length;
  const opensFence = segments > 1 && segments % 2 === 0;
  const result = (opensFence ? pyRstrip(stripped.replace(/`+$/, "")) : stripped) + whitespace;
  return result && !result.endsWith("\n") ? `${result}\n` : result;
}

function codeInterpreterDetails(out: string, block: TaggedBlock, raw: boolean): string {
  const lang = block.attributes.lang ?? "";
  // Empty outputs ("" or {}) count as not run, as in Python's truthiness.
  const ran = block.output !== undefined && block.output !== null && block.output !== "" && !(isEmptyObject(block.output));
  if (ran) {
    const output = attr(block.output);
    return raw
      ? `${out}<code_interpreter type="code" lang="${lang}">\n${block.content}\n</code_interpreter>\n\`\`\`output\n${output}\n\`\`\`\n`
      : `${out}<details type="code_interpreter" done="true" output="${output}">\n<summary>Analyzed</summary>\n\`\`\`${lang}\n${block.content}\n\`\`\`\n</details>\n`;
  }
  return raw
    ? `${out}<code_interpreter type="code" lang="${lang}">\n${block.content}\n</code_interpreter>\n`
    : `${out}<details type="code_interpreter" done="false">\n<summary>Analyzing...</summary>\n\`\`\`${lang}\n${block.content}\n\`\`\`\n</details>\n`;
}

function isEmptyObject(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}
