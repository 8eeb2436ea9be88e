// POST /api/v1/utils/code/execute on a real Jupyter server (see test/support/jupyter-server.ts):
// token and password sign-in, stdout and the last value, an image, an error's traceback, the
// per-message time limit, an unreachable server; every run's kernel is shut down afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { jupyterAvailable, startJupyterServer, type JupyterServer } from "../support/jupyter-server";
import { PNG_BASE64 } from "../fakes/openai";

describe("code execution", () => {
  let t: TestApp;
  let alice: Account;
  beforeAll(async () => {
    t = await startTestApp("sqlite");
    const admin = await signUp(t, "admin@example.com", "pw", "Admin");
    alice = await addUser(t, admin, "alice@example.com");
  }, 30_000);
  afterAll(async () => {
    await t.close();
    await t.database.drop();
  });

  const execute = (code: unknown, token = alice.token) => t.request("POST", "/api/v1/utils/code/execute", { token, body: { code } });

  test("only the jupyter engine runs code; a body without code is refused", async () => {
    const res = await execute("print(1)");
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: "Code execution engine not supported" });
    expect((await t.request("POST", "/api/v1/utils/code/execute", { token: alice.token, body: {} })).status).toBe(422);
    expect((await t.request("POST", "/api/v1/utils/code/execute", { body: { code: "1" } })).status).toBe(401);
  });

  test("an unreachable Jupyter server is reported in stderr", async () => {
    await t.ctx.config.set({ CODE_EXECUTION_ENGINE: "jupyter", CODE_EXECUTION_JUPYTER_URL: "http://127.0.0.1:9" });
    const res = await execute("print(1)");
    expect(res.status).toBe(200);
    expect(res.body.stdout).toBe("");
    expect(res.body.result).toBe("");
    expect(res.body.stderr).toStartWith("Error: ");
  });

  describe.skipIf(!jupyterAvailable)("on Jupyter", () => {
    let jupyter: JupyterServer;
    beforeAll(async () => {
      jupyter = await startJupyterServer();
    }, 90_000);
    afterAll(async () => {
      await jupyter?.stop();
    }, 30_000);

    const useToken = (token: string, timeout = 30) =>
      t.ctx.config.set({
        CODE_EXECUTION_ENGINE: "jupyter",
        CODE_EXECUTION_JUPYTER_URL: jupyter.url,
        CODE_EXECUTION_JUPYTER_AUTH: "token",
        CODE_EXECUTION_JUPYTER_AUTH_TOKEN: token,
        CODE_EXECUTION_JUPYTER_TIMEOUT: timeout,
      });

    test("with the token: stdout and the last expression's value; the kernel is gone afterwards", async () => {
      await useToken(jupyter.token);
      const before = await jupyter.kernels();
      const res = await execute("print('hello')\nprint(6 * 7)\n40 + 2");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ stdout: "hello\n42", stderr: "", result: "42" });
      expect(await jupyter.kernels()).toEqual(before);
    }, 60_000);

    test("an image shown by the code is a PNG data URL in result", async () => {
      await useToken(jupyter.token);
      const code = `import base64\nfrom IPython.display import Image, display\ndisplay(Image(data=base64.b64decode("${PNG_BASE64}")))`;
      const res = await execute(code);
      expect(res.body.result).toBe(`data:image/png;base64,${PNG_BASE64}`);
    }, 60_000);

    test("an exception's traceback lands in stderr", async () => {
      await useToken(jupyter.token);
      const res = await execute("print('before')\n1 / 0");
      expect(res.body.stdout).toBe("before");
      expect(res.body.stderr).toContain("ZeroDivisionError");
      expect(res.body.stderr).toContain("division by zero");
      expect(res.body.result).toBe("");
    }, 60_000);

    test("a kernel silent for longer than the timeout stops the run", async () => {
      await useToken(jupyter.token, 1);
      const before = await jupyter.kernels();
      const started = Date.now();
      const res = await execute("import time\nprint('started', flush=True)\ntime.sleep(20)\nprint('never')");
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(res.body.stdout).toBe("started");
      expect(res.body.stderr).toBe("Execution timed out.");
      expect(await jupyter.kernels()).toEqual(before);
    }, 60_000);

    test("a wrong token is refused by Jupyter and reported in stderr", async () => {
      await useToken("not-the-token");
      const res = await execute("print(1)");
      expect(res.body).toEqual({ stdout: "", stderr: expect.stringMatching(/^Error: 403/), result: "" });
      expect(res.body.stderr).not.toContain("not-the-token");
    }, 60_000);

    test.skipIf(!process.env.JUPYTER_COMMAND)("with the password: the login form, its _xsrf cookie, then the kernel", async () => {
      const settings = { CODE_EXECUTION_ENGINE: "jupyter", CODE_EXECUTION_JUPYTER_URL: jupyter.url, CODE_EXECUTION_JUPYTER_AUTH: "password" };
      // The token is not used when the auth kind is password.
      await t.ctx.config.set({ ...settings, CODE_EXECUTION_JUPYTER_AUTH_TOKEN: jupyter.token, CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: jupyter.password! });
      expect((await execute("print('signed in')")).body).toEqual({ stdout: "signed in", stderr: "", result: "" });
      await t.ctx.config.set({ CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: "wrong" });
      expect((await execute("print(1)")).body.stderr).toMatch(/^Error: 401/);
    }, 60_000);
  });
});
