// Functions and tools in the real frontend, run by the Python runner: the admin writes a pipe in
// the function editor (saved through black), switches it on and chats with it; sets its valve and
// sees the reply change; adds a global action, clicks its button under a reply and answers the
// question it asks in the browser; writes a tool in the workspace, turns it on in the chat and
// sees the model's answer cite its result.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { functionsPython, pythonAvailable } from "../support/python";
import { e2eEnabled, onboardAdmin, openBrowser, sendMessage, startExecutable, step, type BrowserSession, type RunningServer } from "./support";

const ECHO_PIPE = `from pydantic import BaseModel


class Pipe:
    class Valves(BaseModel):
        PREFIX: str = "echo: "

    def __init__(self):
        self.valves = self.Valves()

    async def pipe(self, body: dict, __event_emitter__=None):
        if __event_emitter__:
            await __event_emitter__({"type": "status", "data": {"description": "Echoing", "done": True}})
        return self.valves.PREFIX + body["messages"][-1]["content"]
`;

const STAR_ACTION = `class Action:
    async def action(self, body: dict, __event_call__=None):
        reason = await __event_call__(
            {"type": "input", "data": {"title": "Star it", "message": "Why?", "placeholder": "Your reason"}}
        )
        last = body["messages"][-1]
        return {"messages": [{"id": last["id"], "content": f"{last['content']} ⭐ {reason}"}]}
`;

const CLOCK_TOOL = `class Tools:
    def get_time(self, city: str) -> str:
        """
        The time in a city.
        :param city: City name
        """
        return f"It is 12:34 in {city}"
`;

const PICK = '{"tool_calls": [{"name": "get_time", "parameters": {"city": "Lima"}}]}';
const isTask = (body: any) => JSON.stringify(body.messages ?? []).includes("You can call the tools");

/** Replaces the editor's text with `code` (one insertion: CodeMirror does not re-indent it). */
async function typeCode(page: Page, code: string) {
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.insertText(code);
}

async function pickModel(page: Page, name: string) {
  await page.locator("#model-selector-0-button").click();
  await page.getByRole("button", { name }).first().click().catch(async () => page.getByText(name, { exact: true }).last().click());
  await page.locator("#model-selector-0-button").getByText(name).waitFor();
}

/** Clicks and waits for the request the click makes (waiting starts first: the answer may be quick). */
async function clickFor(page: Page, target: ReturnType<Page["locator"]>, urlPart: string) {
  await Promise.all([page.waitForResponse((r) => r.url().includes(urlPart)), target.click()]);
}

const functionRow = (page: Page, name: string) => page.locator("div.flex.space-x-4", { hasText: name });

describe.skipIf(!e2eEnabled || !pythonAvailable)("functions and tools in the real frontend", () => {
  let upstream: FakeOpenAI;
  let server: RunningServer;
  let session: BrowserSession;
  beforeAll(async () => {
    upstream = startFakeOpenAI({
      models: [{ id: "fake-gpt" }],
      tokens: ["The", " clock", " says", " so."],
      reply: (body) => (isTask(body) ? [PICK] : undefined),
    });
    server = await startExecutable({ OPENAI_API_BASE_URLS: upstream.url, OPENAI_API_KEYS: "sk-e2e", ENABLE_OLLAMA_API: "false", FUNCTIONS_PYTHON: functionsPython });
    session = await openBrowser(server.url);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await server?.stop();
    await upstream?.stop();
  });

  async function createFunction(page: Page, name: string, description: string, code: string) {
    await page.goto(`${server.url}/admin/functions/create`);
    await page.getByPlaceholder("Function Name").fill(name);
    await page.getByPlaceholder("Function Description").fill(description);
    await typeCode(page, code);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Function created successfully").waitFor({ timeout: 30_000 });
    await page.waitForURL(/\/admin\/functions$/);
    await functionRow(page, name).first().waitFor();
  }

  test("a pipe, its valves, an action and a tool", async () => {
    const { page } = session;
    await step(page, "functions-01-onboarding", async () => {
      await onboardAdmin(page, server.url);
    });
    await step(page, "functions-02-write-pipe", async () => {
      await createFunction(page, "Echo Pipe", "Says it back", ECHO_PIPE);
      // Saved through black, switched off until the admin turns it on.
      const token = await page.evaluate(() => localStorage.token);
      const saved = await fetch(`${server.url}/api/v1/functions/id/echo_pipe`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
      expect(saved).toMatchObject({ id: "echo_pipe", type: "pipe", is_active: false, meta: { description: "Says it back" } });
      await clickFor(page, functionRow(page, "Echo Pipe").getByRole("switch"), "/api/v1/functions/id/echo_pipe/toggle");
    });
    await step(page, "functions-03-chat-with-pipe", async () => {
      await page.goto(`${server.url}/`);
      await pickModel(page, "Echo Pipe");
      await sendMessage(page, "hello pipes");
      await page.getByText("echo: hello pipes").waitFor({ timeout: 30_000 });
    });
    await step(page, "functions-04-valves", async () => {
      await page.goto(`${server.url}/admin/functions`);
      await functionRow(page, "Echo Pipe").getByRole("button").first().click();
      await page.getByRole("button", { name: "Default" }).first().click();
      await page.getByPlaceholder("Prefix").fill("pipe says: ");
      await clickFor(page, page.getByRole("button", { name: "Save" }), "/valves/update");
      await page.goto(`${server.url}/`);
      await pickModel(page, "Echo Pipe");
      await sendMessage(page, "hi again");
      await page.getByText("pipe says: hi again").waitFor({ timeout: 30_000 });
    });
    await step(page, "functions-05-action", async () => {
      await createFunction(page, "Star", "Adds a star", STAR_ACTION);
      await clickFor(page, functionRow(page, "Star").getByRole("switch"), "/api/v1/functions/id/star/toggle");
      await functionRow(page, "Star").locator("button").nth(1).click();
      await clickFor(page, page.getByRole("switch").last(), "/api/v1/functions/id/star/toggle/global");
      await page.keyboard.press("Escape");
      await page.goto(`${server.url}/`);
      await pickModel(page, "Echo Pipe");
      await sendMessage(page, "rate me");
      await page.getByText("pipe says: rate me").waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: "Star" }).last().click();
      // The action asks the browser through __event_call__; the answer comes back to it.
      await page.getByPlaceholder("Your reason").fill("great");
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.getByText("pipe says: rate me ⭐ great").waitFor({ timeout: 30_000 });
    });
    await step(page, "functions-06-tool", async () => {
      await page.goto(`${server.url}/workspace/tools/create`);
      await page.getByPlaceholder("Tool Name").fill("Clock");
      await page.getByPlaceholder("Tool Description").fill("Tells the time");
      await typeCode(page, CLOCK_TOOL);
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByRole("button", { name: "Confirm" }).click();
      await page.waitForURL(/\/workspace\/tools$/, { timeout: 30_000 });
      await page.goto(`${server.url}/`);
      await pickModel(page, "fake-gpt");
      await page.locator("#integration-menu-button").click();
      await page.getByRole("button", { name: /^Tools/ }).click();
      const clock = page.getByRole("button", { name: /Clock/ });
      await clock.click();
      await clock.locator('[role="switch"][data-state="checked"]').waitFor();
      await page.keyboard.press("Escape");
      await sendMessage(page, "What time is it in Lima?");
      await page.getByText("The clock says so.").waitFor({ timeout: 30_000 });
      // The streamed request is the answer (the title and tags tasks come after it, whole).
      const answer = upstream.requests.filter((r) => r.path === "/v1/chat/completions" && (r.body as any).stream).at(-1)!;
      expect(JSON.stringify((answer.body as any).messages)).toContain("It is 12:34 in Lima");
      await page.getByText("1 Source").click();
      await page.getByText("clock/get_time").first().waitFor();
    });
    expect(session.problems).toEqual([]);
  }, 240_000);
});
