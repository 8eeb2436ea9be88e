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

describe("code interpreter blocks", () => {
  const analyzing = (lang: string, code: string) =>
    `<details type="code_interpreter" done="false">\n<summary>Analyzing...</summary>\n\`\`\`${lang}\n${code}\n\`\`\`\n</details>`;

  /** Streams tokens until the code block closes (as the task does), then gives the output and the continuation. */
  function run(tokens: string[], output: unknown, continuation: string[]) {
    let client = "";
    const stream = new ReplyStream(
      {
        emit: (event) => {
          const data: any = event.data;
          if (data?.content) client = data.content;
          else if (data?.choices) client += data.choices[0]?.delta?.content ?? "";
        },
        save: async () => {},
      },
      { initialContent: "", reasoningTags: DEFAULT_REASONING_TAGS, chunkSize: 1, codeInterpreter: true },
    );
    const mismatches: string[] = [];
    const handle = (token: string) => {
      stream.handle({ choices: [{ delta: { content: token } }] });
      stream.flush(true);
      if (client !== stream.builder.serialize()) mismatches.push(`${JSON.stringify(client)} != ${JSON.stringify(stream.builder.serialize())}`);
    };
    for (const token of tokens) {
      handle(token);
      if (stream.codeClosed) break;
    }
    const streamed = stream.finish();
    const pending = stream.builder.pendingCode();
    stream.showCodeOutput(output);
    const raw = stream.builder.serializeRaw();
    for (const token of continuation) handle(token);
    const final = stream.finish();
    return { streamed, pending, raw, final, client, mismatches };
  }

  // Expected texts were produced by the reference's serialize_content_blocks and tag handler.
  test("a closed block waits for its output, the rest of that answer is dropped, the reply goes on after it", () => {
    const result = run(
      ["Let me compute.\n\n", '<code_interpreter type="code" lang="python">\n', "print(1+1)\n", "</code_interpreter>", "ignored"],
      { stdout: "2\n", stderr: "", result: "é<b>" },
      ["The ", "answer is 2."],
    );
    const output = "{&quot;stdout&quot;: &quot;2\\n&quot;, &quot;stderr&quot;: &quot;&quot;, &quot;result&quot;: &quot;\\u00e9&lt;b&gt;&quot;}";
    expect(result.mismatches).toEqual([]);
    expect(result.pending).toEqual({ code: "print(1+1)", attributes: { type: "code", lang: "python" } });
    expect(result.streamed).toBe(`Let me compute.\n${analyzing("python", "print(1+1)")}`);
    expect(result.raw).toBe(
      `Let me compute.\n<code_interpreter type="code" lang="python">\nprint(1+1)\n</code_interpreter>\n\`\`\`output\n${output}\n\`\`\``,
    );
    expect(result.final).toBe(
      `Let me compute.\n<details type="code_interpreter" done="true" output="${output}">\n<summary>Analyzed</summary>\n\`\`\`python\nprint(1+1)\n\`\`\`\n</details>\nThe answer is 2.`,
    );
    expect(result.client).toBe(result.final);
  });

  test("backticks opening a fence before the block are dropped; an empty output shows the block as not run", () => {
    const result = run(["Here:\n```", '<code_interpreter type="code" lang="python">print(2)</code_interpreter>'], "", ["Done"]);
    expect(result.streamed).toBe(`Here:\n${analyzing("python", "print(2)")}`);
    expect(result.raw).toBe('Here:\n<code_interpreter type="code" lang="python">\nprint(2)\n</code_interpreter>');
    expect(result.final).toBe(`Here:\n${analyzing("python", "print(2)")}\nDone`);
  });

  test("an unclosed block is still pending at the end of the answer", () => {
    const result = run(['<code_interpreter type="code" lang="python">', "x = 1"], { stdout: "ok" }, []);
    expect(result.pending).toEqual({ code: "x = 1", attributes: { type: "code", lang: "python" } });
    expect(result.streamed).toBe(analyzing("python", "x = 1"));
  });

  test("without features.code_interpreter the tag is plain text", () => {
    const builder = new ReplyBuilder("", DEFAULT_REASONING_TAGS);
    builder.addContent('<code_interpreter type="code" lang="python">print(1)</code_interpreter>');
    builder.finish();
    expect(builder.codeClosed).toBe(false);
    expect(builder.pendingCode()).toBeNull();
    expect(builder.serialize()).toBe('<code_interpreter type="code" lang="python">print(1)</code_interpreter>');
  });

  test("with reasoning tags off, code blocks are still detected", () => {
    const builder = new ReplyBuilder("", null, undefined, true);
    builder.addContent('<think>x</think><code_interpreter type="code" lang="python">1</code_interpreter>');
    expect(builder.codeClosed).toBe(true);
    expect(builder.serialize()).toBe(`<think>x</think>\n${analyzing("python", "1")}`);
  });

  test("work per plain-text token does not grow with the length of the reply", () => {
    const builder = new ReplyBuilder("", DEFAULT_REASONING_TAGS, undefined, true);
    const time = (n: number) => {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        builder.addContent("a<b> ");
        builder.takeUpdate();
      }
      return (performance.now() - start) / n;
    };
    time(2_000);
    const early = time(5_000);
    for (let i = 0; i < 100_000; i++) builder.addContent("a<b> ");
    builder.takeUpdate();
    const late = time(5_000);
    expect(late).toBeLessThan(early * 5 + 0.01);
  });
});
