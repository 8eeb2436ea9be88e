// The streamed message: what the browser shows after applying our events is always exactly the
// serialized message, and the final text is what Open WebUI 0.6.32 stores for the same stream.
import { describe, expect, test } from "bun:test";
import { DEFAULT_REASONING_TAGS, ReplyBuilder, pyStrip, splitLines } from "../../src/chat/reply-builder";
import { ReplyStream } from "../../src/chat/stream";

const think = (body: string) =>
  `<details type="reasoning" done="true" duration="0">\n<summary>Thought for 0 seconds</summary>\n${body}\n</details>`;

interface Scenario {
  reasoning?: string[];
  tokens: string[];
  initial?: string;
}

/** Runs chunks through a ReplyStream and a model of the frontend's chat-events handler. */
function play({ reasoning = [], tokens, initial = "" }: Scenario, chunkSize = 1) {
  let client = initial;
  const events: any[] = [];
  const stream = new ReplyStream(
    {
      emit: (event) => {
        events.push(event);
        const data: any = event.data;
        if (event.type !== "chat:completion") return;
        if (data.content) client = data.content;
        else if (data.choices) {
          const value = data.choices[0]?.delta?.content ?? "";
          if (!(client === "" && value === "\n")) client += value;
        }
      },
      save: async () => {},
    },
    { initialContent: initial, reasoningTags: DEFAULT_REASONING_TAGS, chunkSize },
  );
  const mismatches: string[] = [];
  for (const r of reasoning) {
    stream.handle({ choices: [{ delta: { reasoning_content: r } }] });
    stream.flush(true);
  }
  for (const t of tokens) {
    stream.handle({ choices: [{ delta: { content: t } }] });
    stream.flush(true);
    if (client !== stream.builder.serialize()) mismatches.push(`${JSON.stringify(client)} != ${JSON.stringify(stream.builder.serialize())}`);
  }
  const final = stream.finish();
  return { final, client, events, mismatches };
}

describe("reply builder", () => {
  // Expected texts were produced by the Python reference from the same streams.
  const cases: [string, Scenario, string][] = [
    ["plain text", { tokens: ["Hello", " world", "!"] }, "Hello world!"],
    ["reasoning deltas", { reasoning: ["Let me", " think.\nSecond line"], tokens: ["Hello", " world", "!"] }, `${think("> Let me think.\n> Second line")}\nHello world!`],
    ["think tags", { tokens: ["<think>", "I am", " thinking", "</think>", "\n\nAnswer", " here"] }, `${think("> I am thinking")}\nAnswer here`],
    ["whitespace", { tokens: ["  ", "\n", "Hi", "  ", "there", "\n\n"] }, "Hi  there"],
    ["tags split across tokens", { tokens: ["<thi", "nk>abc", "</th", "ink>rest"] }, `${think("> abc")}\nrest`],
    ["reasoning then tags", { reasoning: ["deep"], tokens: ["<think>", "more", "</think>", "final"] }, `${think("> deep")}\n${think("> more")}\nfinal`],
    ["tag with attributes", { tokens: ['<think attr="1">x', "</think>", "y"] }, `${think("> x")}\ny`],
    ["empty reply", { tokens: [] }, ""],
    ["unclosed tag", { tokens: ["<think>", "never closed"] }, think("> never closed")],
    ["markdown", { tokens: ["# Title\n\n", "- a\n", "- b\n\n", "```py\n", "print(1)\n", "```\n"] }, "# Title\n\n- a\n- b\n\n```py\nprint(1)\n```"],
    ["reasoning only, quoted line", { reasoning: ["only", " reasoning\n\n> quoted"], tokens: [] }, think("> only reasoning\n> \n> quoted")],
    // The reference repeats earlier text here (a bug); the intended result is kept.
    ["text before a think block", { tokens: ["Sure. ", "<think>x</think>", "Done"] }, `Sure.\n${think("> x")}\nDone`],
    ["solution tags", { tokens: ["<|begin_of_thought|>a\nb<|end_of_thought|>", "<|begin_of_solution|>sol<|end_of_solution|>"] }, `${think("> a\n> b")}\nsolution: sol`],
    ["empty think block", { tokens: ["<think></think>", "after"] }, "after"],
    ["continue from stored text", { initial: "Earlier part", tokens: [" and more"] }, "Earlier part and more"],
  ];
  for (const [name, scenario, expected] of cases) {
    test(name, () => {
      const { final, client, mismatches } = play(scenario);
      expect(mismatches).toEqual([]);
      expect(final).toBe(expected);
      expect(client).toBe(expected);
    });
  }

  test("plain text goes out as appended deltas, never as the whole text again", () => {
    const { events } = play({ tokens: ["a", "b", "c", " d"] });
    const data = events.map((e) => e.data);
    expect(data[0]).toEqual({ content: "a" });
    expect(data.slice(1)).toEqual([{ choices: [{ delta: { content: "b" } }] }, { choices: [{ delta: { content: "c" } }] }, { choices: [{ delta: { content: " d" } }] }]);
  });

  test("deltas are batched by the chunk size and the rest is flushed at the end", () => {
    const { events, final } = play({ tokens: ["1", "2", "3", "4", "5"] }, 2);
    const appended = events.filter((e) => e.data.choices).map((e) => e.data.choices[0].delta.content);
    expect(events[0].data).toEqual({ content: "1" });
    expect(appended.join("")).toBe("2345");
    expect(final).toBe("12345");
  });

  test("reasoning tags can be switched off or replaced", () => {
    const off = new ReplyBuilder("", null);
    off.addContent("<think>x</think>y");
    off.finish();
    expect(off.serialize()).toBe("<think>x</think>y");
    const custom = new ReplyBuilder("", [["[[", "]]"]]);
    custom.addContent("[[plan]]answer");
    custom.finish();
    expect(custom.serialize()).toBe(`${think("> plan")}\nanswer`);
  });

  test("a reasoning block shows its running state and duration", () => {
    let now = 100;
    const builder = new ReplyBuilder("", DEFAULT_REASONING_TAGS, () => now);
    builder.addReasoning("step one");
    expect(builder.serialize()).toBe('<details type="reasoning" done="false">\n<summary>Thinking…</summary>\n> step one\n</details>');
    now = 103.7;
    builder.addContent("done");
    expect(builder.serialize()).toContain('done="true" duration="3"');
    expect(builder.serialize()).toContain("Thought for 3 seconds");
  });

  test("Python's strip and splitlines", () => {
    expect(pyStrip("\x1c a \u00a0")).toBe("a");
    expect(pyStrip("\ufeffa")).toBe("\ufeffa");
    expect(splitLines("a\nb\n")).toEqual(["a", "b"]);
    expect(splitLines("a\r\nb\rc")).toEqual(["a", "b", "c"]);
    expect(splitLines("")).toEqual([]);
  });

  test("work per token does not grow with the length of the reply", () => {
    const builder = new ReplyBuilder();
    const time = (n: number) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        builder.addContent("word ");
        builder.takeUpdate();
      }
      return (performance.now() - start) / n;
    };
    time(2_000);
    const early = time(5_000);
    for (let i = 0; i < 100_000; i++) builder.addContent("word ");
    builder.takeUpdate();
    const late = time(5_000);
    expect(late).toBeLessThan(early * 5 + 0.01);
  });
});
