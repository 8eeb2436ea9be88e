// The Python runner: loading plugins, calling them with their valves and extras, streamed pipe
// output, events both ways, errors, and a runner that dies.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/core/logger";
import { PluginError, PythonRuntime, type PluginSource } from "../../src/functions/python/runtime";
import { functionsPython, pythonAvailable } from "../support/python";

const dataDir = mkdtempSync(join(tmpdir(), "owb-python-"));
const runtime = new PythonRuntime({ raw: { FUNCTIONS_PYTHON: functionsPython }, dataDir }, createLogger("CRITICAL"));
afterAll(() => runtime.stop());

const echoPipe: PluginSource = {
  kind: "function",
  id: "echo",
  content: `"""
title: Echo
version: 0.1
"""
from pydantic import BaseModel, Field

class Pipe:
    class Valves(BaseModel):
        PREFIX: str = Field(default="echo: ", description="Put before the answer")

    class UserValves(BaseModel):
        shout: bool = False

    def __init__(self):
        self.valves = self.Valves()

    def pipes(self):
        return [{"id": "one", "name": "One"}]

    async def pipe(self, body: dict, __user__: dict, __event_emitter__=None, __event_call__=None):
        if __event_emitter__:
            await __event_emitter__({"type": "status", "data": {"description": "thinking", "done": False}})
        if __event_call__:
            answer = await __event_call__({"type": "input", "data": {"title": "Name?"}})
            body["messages"][-1]["content"] += f" ({answer})"
        text = self.valves.PREFIX + body["messages"][-1]["content"]
        if __user__["valves"].shout:
            text = text.upper()
        if body.get("stream"):
            return (word + " " for word in text.split(" "))
        return text
`,
};

const clockTool: PluginSource = {
  kind: "tool",
  id: "clock",
  content: `
class Tools:
    def get_time(self, zone: str = "UTC", __user__: dict = {}) -> str:
        """
        Tell the time in a zone.
        :param zone: The time zone
        """
        return f"noon in {zone} for {__user__.get('name')}"

    async def add(self, a: int, b: int) -> int:
        """Add two numbers."""
        return a + b
`,
};

const body = (content: string, stream = false) => ({ body: { model: "echo", stream, messages: [{ role: "user", content }] } });

describe.skipIf(!pythonAvailable)("the Python runner", () => {
  test("loading tells the type, frontmatter, valves schemas and methods", async () => {
    const info = await runtime.load(echoPipe);
    expect(info.type).toBe("pipe");
    expect(info.frontmatter).toEqual({ title: "Echo", version: "0.1" });
    expect(info.valves_spec).toEqual({
      properties: { PREFIX: { default: "echo: ", description: "Put before the answer", title: "Prefix", type: "string" } },
      title: "Valves",
      type: "object",
    });
    expect(info.has_user_valves).toBe(true);
    expect(info.methods).toEqual(["pipe", "pipes"]);
  });

  test("a tool's specs come from its methods' signatures and docstrings, without titles or dunder arguments", async () => {
    const info = await runtime.load(clockTool);
    expect(info.type).toBe("tool");
    expect(info.specs).toEqual([
      {
        name: "add",
        description: "Add two numbers.",
        parameters: { properties: { a: { type: "integer" }, b: { type: "integer" } }, required: ["a", "b"], type: "object" },
      },
      {
        name: "get_time",
        description: "Tell the time in a zone.",
        parameters: {
          properties: { zone: { default: "UTC", description: "The time zone", type: "string" } },
          type: "object",
        },
      },
    ]);
    expect(await runtime.call(clockTool, { method: "get_time", args: { zone: "CET" }, extras: { __user__: { name: "Ann" }, __metadata__: {} } })).toBe("noon in CET for Ann");
    expect(await runtime.call(clockTool, { method: "add", args: { a: 2, b: 3 } })).toBe(5);
  });

  test("a whole answer is a chat completion, with the stored valves and the user's valves applied", async () => {
    const answer = (await runtime.call(echoPipe, {
      method: "pipe",
      args: body("hi"),
      extras: { __user__: { id: "u1" } },
      valves: { PREFIX: "> " },
      userValves: { shout: true },
    })) as any;
    expect(answer.object).toBe("chat.completion");
    expect(answer.choices[0]).toMatchObject({ message: { role: "assistant", content: "> HI" }, finish_reason: "stop" });
  });

  test("a generator streams as SSE chunks ending with a stop chunk and [DONE]", async () => {
    const chunks: string[] = [];
    await runtime.call(echoPipe, { method: "pipe", args: body("a b", true), extras: { __user__: { id: "u1" } } }, (c) => chunks.push(c));
    const data = chunks.filter((c) => c !== "data: [DONE]").map((c) => JSON.parse(c.slice(6)));
    expect(data.map((d) => d.choices[0].delta.content ?? "")).toEqual(["echo: ", "a ", "b ", ""]);
    expect(data.at(-1).choices[0].finish_reason).toBe("stop");
    expect(chunks.at(-1)).toBe("data: [DONE]");
  });

  test("events go out while the call runs, and an asked question's answer comes back in", async () => {
    const emitted: unknown[] = [];
    const answer = (await runtime.call(echoPipe, {
      method: "pipe",
      args: body("hi"),
      extras: { __user__: { id: "u1" } },
      events: { emit: (e) => void emitted.push(e), ask: async () => "Bob" },
    })) as any;
    expect(emitted).toEqual([{ type: "status", data: { description: "thinking", done: false } }]);
    expect(answer.choices[0].message.content).toBe("echo: hi (Bob)");
  });

  test("valves are validated by the module's own classes", async () => {
    expect(await runtime.validate(echoPipe, "Valves", { PREFIX: "x", unknown: 1 })).toEqual({ PREFIX: "x" });
    await expect(runtime.validate(echoPipe, "UserValves", { shout: "maybe" })).rejects.toThrow(/validation error for UserValves/);
  });

  test("code that does not load is a PluginError with Python's message", async () => {
    await expect(runtime.load({ kind: "function", id: "broken", content: "x = (" })).rejects.toThrow("'(' was never closed");
    await expect(runtime.load({ kind: "function", id: "plain", content: "x = 1" })).rejects.toThrow("No Function class found in the module");
    await expect(runtime.load({ kind: "tool", id: "plain", content: "x = 1" })).rejects.toThrow("No Tools class found in the module");
    const raising = { kind: "function" as const, id: "raising", content: "class Action:\n    def action(self, body):\n        raise ValueError('nope')\n" };
    await expect(runtime.call(raising, { method: "action", args: { body: {} } })).rejects.toBeInstanceOf(PluginError);
  });

  test("what plugins and their programs print never breaks the protocol; an answer JSON cannot carry is an error", async () => {
    const noisy: PluginSource = {
      kind: "tool",
      id: "noisy",
      content: "import os\nclass Tools:\n    def shout(self) -> str:\n        print('hello')\n        os.system('echo from a program')\n        return 'ok'\n\n    def nan(self) -> float:\n        return float('nan')\n",
    };
    expect(await runtime.call(noisy, { method: "shout", args: {} })).toBe("ok");
    await expect(runtime.call(noisy, { method: "nan", args: {} })).rejects.toThrow(/JSON/);
  });

  test("plugins may import Open WebUI's message helpers (open_webui.utils.misc), and nothing else of its package", async () => {
    const helped: PluginSource = {
      kind: "function",
      id: "helped",
      content: `from open_webui.utils.misc import pop_system_message, get_last_user_message, add_or_update_system_message

class Pipe:
    def pipe(self, body: dict) -> str:
        system, rest = pop_system_message(body["messages"])
        rest = add_or_update_system_message("be brief", rest)
        return f"{system['content']}|{rest[0]['content']}|{get_last_user_message(rest)}|{len(rest)}"
`,
    };
    const answer = (await runtime.call(helped, {
      method: "pipe",
      args: { body: { model: "helped", messages: [{ role: "system", content: "sys" }, { role: "user", content: [{ type: "text", text: "hi" }] }] } },
    })) as any;
    expect(answer.choices[0].message.content).toBe("sys|be brief|hi|2");
    await expect(runtime.load({ kind: "function", id: "needs_db", content: "from open_webui.models.users import Users\n" })).rejects.toThrow(
      "No module named 'open_webui.models'",
    );
  });

  test("a runner that dies fails its calls and is started again for the next", async () => {
    const dying = { kind: "function" as const, id: "dying", content: "import os\nclass Action:\n    def action(self, body):\n        os._exit(3)\n" };
    await expect(runtime.call(dying, { method: "action", args: { body: {} } })).rejects.toThrow("The Python runner stopped (exit code 3)");
    await Bun.sleep(50);
    expect(await runtime.call(clockTool, { method: "add", args: { a: 1, b: 1 } })).toBe(2);
  });

  test("calls run side by side: one waiting for the browser does not hold another up", async () => {
    const asked = Promise.withResolvers<(value: unknown) => void>();
    const waiting = runtime.call(echoPipe, {
      method: "pipe",
      args: body("slow"),
      extras: { __user__: { id: "u1" } },
      events: { emit: () => {}, ask: () => new Promise((resolve) => asked.resolve(resolve)) },
    });
    const release = await asked.promise;
    expect(await runtime.call(clockTool, { method: "add", args: { a: 4, b: 4 } })).toBe(8);
    release("late");
    expect(((await waiting) as any).choices[0].message.content).toBe("echo: slow (late)");
  });
});

describe("without a usable Python", () => {
  const source: PluginSource = { kind: "tool", id: "t", content: "class Tools:\n    pass\n" };
  const runtimeWith = (python: string) => new PythonRuntime({ raw: { FUNCTIONS_PYTHON: python }, dataDir }, createLogger("CRITICAL"));

  test("a Python that cannot start, or stops at once, is a clear error every time, and nothing crashes", async () => {
    const missing = runtimeWith(join(dataDir, "no-such-python"));
    for (let i = 0; i < 2; i++) await expect(missing.load(source)).rejects.toThrow(/could not start/);
    const broken = runtimeWith("/bin/false");
    for (let i = 0; i < 2; i++) await expect(broken.load(source)).rejects.toThrow(/stopped before it was ready: does it have pydantic 2\?/);
    await Bun.sleep(100);
  });
});
