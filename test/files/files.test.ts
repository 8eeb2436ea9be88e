// /api/v1/files: upload, processing, downloads, limits, access, on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { startTestApp, type TestApp } from "../support/app";
import { dialects } from "../support/databases";
import { makeDocx, makePdf } from "../support/documents";
import { upload, uploadAndProcess, waitForProcessing } from "../support/uploads";
import { insertUser } from "../support/users";

for (const dialect of dialects) {
  describe(`files (${dialect})`, () => {
    let t: TestApp;
    let admin: string;
    let alice: string;
    let aliceId: string;
    let bob: string;
    let pending: string;

    beforeAll(async () => {
      t = await startTestApp(dialect, { CHUNK_SIZE: "200", CHUNK_OVERLAP: "20" });
      admin = t.tokenFor((await insertUser(t.ctx, { role: "admin" })).id);
      const a = await insertUser(t.ctx, { role: "user" });
      aliceId = a.id;
      alice = t.tokenFor(a.id);
      bob = t.tokenFor((await insertUser(t.ctx, { role: "user" })).id);
      pending = t.tokenFor((await insertUser(t.ctx, { role: "pending" })).id);
    });

    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("upload answers at once with status, stores {id}_{name}, then processing completes", async () => {
      const res = await upload(t, alice, { name: "notes.md", content: "# Zebras\n\nZebras have stripes.", type: "text/markdown", metadata: '{"source":"test"}' });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe(true);
      expect(res.body.user_id).toBe(aliceId);
      expect(res.body.filename).toBe("notes.md");
      expect(res.body.data).toEqual({ status: "pending" });
      expect(res.body.meta).toEqual({ name: "notes.md", content_type: "text/markdown", size: 30, data: { source: "test" } });
      expect(res.body.path).toEndWith(`/uploads/${res.body.id}_notes.md`);
      expect(existsSync(res.body.path)).toBe(true);
      const events = await waitForProcessing(t, alice, res.body.id);
      expect(events.at(-1)).toEqual({ status: "completed" });
      const file = await t.request("GET", `/api/v1/files/${res.body.id}`, { token: alice });
      expect(file.body.data.content).toBe("# Zebras\n\nZebras have stripes.");
      expect(file.body.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(file.body.meta.collection_name).toBe(`file-${res.body.id}`);
      const status = await t.request("GET", `/api/v1/files/${res.body.id}/process/status`, { token: alice });
      expect(status.body).toEqual({ status: "completed" });
    });

    test("PDF and DOCX are extracted", async () => {
      const pdf = await uploadAndProcess(t, alice, { name: "animals.pdf", content: makePdf(["Page one about okapis.", "Page two about tapirs."]), type: "application/pdf" });
      expect(pdf.events.at(-1)?.status).toBe("completed");
      expect(pdf.file.data.content).toContain("okapis");
      expect(pdf.file.data.content).toContain("tapirs");
      const docx = await uploadAndProcess(t, alice, {
        name: "report.docx",
        content: await makeDocx(["Otters hold hands.", "Beavers build dams."]),
        type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      });
      expect(docx.events.at(-1)?.status).toBe("completed");
      expect(docx.file.data.content).toContain("Otters hold hands.");
      expect(docx.file.data.content).toContain("Beavers build dams.");
    });

    test("CSV, JSON, HTML and code are extracted as text", async () => {
      const csv = await uploadAndProcess(t, alice, { name: "t.csv", content: "name,legs\nspider,8\nant,6\n", type: "text/csv" });
      expect(csv.file.data.content).toBe("name: spider\nlegs: 8 name: ant\nlegs: 6");
      const json = await uploadAndProcess(t, alice, { name: "d.json", content: '{"kiwi": true}', type: "application/json" });
      expect(json.file.data.content).toBe('{"kiwi": true}');
      const html = await uploadAndProcess(t, alice, { name: "p.html", content: "<html><body><h1>Lemurs</h1><script>x()</script><p>live in Madagascar</p></body></html>", type: "text/html" });
      expect(html.file.data.content).toContain("LEMURS");
      expect(html.file.data.content).toContain("live in Madagascar");
      expect(html.file.data.content).not.toContain("x()");
      const code = await uploadAndProcess(t, alice, { name: "main.ts", content: "export const answer = 42;\n", type: "" });
      expect(code.events.at(-1)?.status).toBe("completed");
    });

    test("unreadable files fail with a reason; images are stored without processing", async () => {
      const binary = await uploadAndProcess(t, alice, { name: "blob.bin", content: new Uint8Array([0, 1, 2, 0, 255, 0]), type: "application/octet-stream" });
      expect(binary.events.at(-1)?.status).toBe("failed");
      expect(binary.events.at(-1)?.error).toContain("does not contain text");
      const xlsx = await uploadAndProcess(t, alice, { name: "sheet.xlsx", content: new Uint8Array([80, 75, 3, 4]), type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
      expect(xlsx.file.data.status).toBe("failed");
      expect(xlsx.file.data.error).toContain(".xlsx");
      const image = await upload(t, alice, { name: "pic.png", content: new Uint8Array([137, 80, 78, 71]), type: "image/png" });
      expect(image.body.data).toEqual({});
      expect(await waitForProcessing(t, alice, image.body.id)).toEqual([]);
    });

    test("the type the browser declares is kept, not one guessed from the name; no file part is a 422", async () => {
      const recording = await upload(t, alice, { name: "Recording.mp4", content: new Uint8Array([0, 0, 0, 24]), type: "audio/mp4", query: "process=false" });
      expect(recording.body.meta.content_type).toBe("audio/mp4");
      const form = new FormData();
      form.append("metadata", "{}");
      const res = await t.app.handle(new Request("http://localhost/api/v1/files/", { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: form }));
      expect(res.status).toBe(422);
      expect(((await res.json()) as any).detail[0].loc).toEqual(["body", "file"]);
    });

    test("process=false stores the file without a status", async () => {
      const res = await upload(t, alice, { name: "raw.txt", content: "raw", query: "process=false" });
      expect(res.status).toBe(200);
      expect(res.body.status).toBeUndefined();
      expect(res.body.data).toEqual({});
    });

    test("bad metadata, empty, oversized and disallowed uploads get a clear 4xx and store nothing", async () => {
      const before = readdirSync(t.ctx.env.uploadDir).length;
      const bad = await upload(t, alice, { name: "a.txt", content: "x", metadata: "{not json" });
      expect(bad.status).toBe(400);
      expect(bad.body.detail).toBe("[ERROR: Invalid metadata format]");
      const empty = await upload(t, alice, { name: "a.txt", content: "" });
      expect(empty.status).toBe(400);
      await t.ctx.config.set({ FILE_MAX_SIZE: 1, ALLOWED_FILE_EXTENSIONS: ["txt", ".md"] });
      try {
        const big = await upload(t, alice, { name: "big.txt", content: "x".repeat(1024 * 1024 + 1) });
        expect(big.status).toBe(413);
        expect(big.body.detail).toContain("less than 1 MB");
        const exe = await upload(t, alice, { name: "tool.exe", content: "MZ" });
        expect(exe.status).toBe(400);
        expect(exe.body.detail).toBe("[ERROR: File type exe is not allowed]");
        const md = await upload(t, alice, { name: "ok.MD", content: "fine" });
        expect(md.status).toBe(200);
        const missing = await t.request("POST", "/api/v1/files/", { token: alice, body: {} });
        expect(missing.status).toBe(422);
      } finally {
        await t.ctx.config.set({ FILE_MAX_SIZE: null, ALLOWED_FILE_EXTENSIONS: [] });
      }
      expect(readdirSync(t.ctx.env.uploadDir).length).toBe(before + 1);
    });

    test("file names cannot leave the upload folder", async () => {
      for (const name of ["../../escape.txt", "..\\..\\escape.txt", "/etc/passwd", "..", "a/../../b.txt"]) {
        const res = await upload(t, alice, { name, content: "x", query: "process=false" });
        expect(res.status).toBe(200);
        expect(res.body.path.startsWith(`${t.ctx.env.uploadDir}/${res.body.id}_`)).toBe(true);
        expect(res.body.filename).not.toContain("/");
      }
    });

    test("downloads: content types and dispositions like the reference", async () => {
      const txt = await uploadAndProcess(t, alice, { name: "hello world.txt", content: "hi there", type: "text/plain" });
      const plain = await t.request("GET", `/api/v1/files/${txt.uploaded.id}/content`, { token: alice });
      expect(plain.text).toBe("hi there");
      expect(plain.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(plain.headers.get("content-disposition")).toBeNull();
      const attached = await t.request("GET", `/api/v1/files/${txt.uploaded.id}/content?attachment=true`, { token: alice });
      expect(attached.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''hello%20world.txt");
      const named = await t.request("GET", `/api/v1/files/${txt.uploaded.id}/content/anything.txt`, { token: alice });
      expect(named.text).toBe("hi there");
      expect(named.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''hello%20world.txt");
      const pdf = await upload(t, alice, { name: "doc.pdf", content: makePdf(["x"]), type: "application/pdf", query: "process=false" });
      const inline = await t.request("GET", `/api/v1/files/${pdf.body.id}/content`, { token: alice });
      expect(inline.headers.get("content-type")).toBe("application/pdf");
      expect(inline.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''doc.pdf");
      const data = await t.request("GET", `/api/v1/files/${txt.uploaded.id}/data/content`, { token: alice });
      expect(data.body).toEqual({ content: "hi there" });
      const html = await t.request("GET", `/api/v1/files/${txt.uploaded.id}/content/html`, { token: alice });
      expect(html.status).toBe(404);
      const adminHtml = await upload(t, admin, { name: "page.html", content: "<p>x</p>", type: "text/html", query: "process=false" });
      const served = await t.request("GET", `/api/v1/files/${adminHtml.body.id}/content/html`, { token: admin });
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe("text/html; charset=utf-8");
    });

    test("content update replaces the text and re-embeds", async () => {
      const f = await uploadAndProcess(t, alice, { name: "c.txt", content: "old words" });
      const res = await t.request("POST", `/api/v1/files/${f.uploaded.id}/data/content/update`, { token: alice, body: { content: "new words" } });
      expect(res.body).toEqual({ content: "new words" });
      const query = await t.request("POST", "/api/v1/retrieval/query/doc", { token: alice, body: { collection_name: `file-${f.uploaded.id}`, query: "new" } });
      expect(query.body.documents[0]).toEqual(["new words"]);
    });

    test("list, search and content=false", async () => {
      const list = await t.request("GET", "/api/v1/files/", { token: bob });
      expect(list.body).toEqual([]);
      const mine = await t.request("GET", "/api/v1/files/?content=false", { token: alice });
      expect(mine.body.length).toBeGreaterThan(3);
      expect(mine.body.every((f: any) => f.user_id === aliceId && !("content" in (f.data ?? {})))).toBe(true);
      const all = await t.request("GET", "/api/v1/files/", { token: admin });
      expect(all.body.length).toBeGreaterThan(mine.body.length);
      const found = await t.request("GET", "/api/v1/files/search?filename=*.PDF", { token: alice });
      expect(found.body.map((f: any) => f.filename).sort()).toEqual(["animals.pdf", "doc.pdf"]);
      const none = await t.request("GET", "/api/v1/files/search?filename=*.nothing", { token: alice });
      expect(none.status).toBe(404);
      expect(none.body.detail).toBe("No files found matching the pattern.");
      expect((await t.request("GET", "/api/v1/files/search", { token: alice })).status).toBe(422);
    });

    test("another user gets 404 on every id route and nothing changes", async () => {
      const f = await uploadAndProcess(t, alice, { name: "secret.txt", content: "alice's secret" });
      const id = f.uploaded.id;
      const tries: [string, string, unknown?][] = [
        ["GET", `/api/v1/files/${id}`],
        ["GET", `/api/v1/files/${id}/process/status`],
        ["GET", `/api/v1/files/${id}/process/status?stream=true`],
        ["GET", `/api/v1/files/${id}/data/content`],
        ["POST", `/api/v1/files/${id}/data/content/update`, { content: "hacked" }],
        ["GET", `/api/v1/files/${id}/content`],
        ["GET", `/api/v1/files/${id}/content/html`],
        ["GET", `/api/v1/files/${id}/content/secret.txt`],
        ["DELETE", `/api/v1/files/${id}`],
      ];
      for (const [method, path, body] of tries) {
        const res = await t.request(method, path, { token: bob, body });
        expect(res.status).toBe(404);
      }
      const after = await t.request("GET", `/api/v1/files/${id}`, { token: alice });
      expect(after.body.data.content).toBe("alice's secret");
      expect(existsSync(after.body.path)).toBe(true);
      // An admin may read it.
      expect((await t.request("GET", `/api/v1/files/${id}`, { token: admin })).status).toBe(200);
    });

    test("auth levels: anonymous 401, pending 401, admin-only route 401 for users", async () => {
      for (const path of ["/api/v1/files/", "/api/v1/files/search?filename=*", "/api/v1/files/x", "/api/v1/files/x/content"]) {
        expect((await t.request("GET", path)).status).toBe(401);
        expect((await t.request("GET", path, { token: pending })).status).toBe(401);
      }
      expect((await upload(t, pending, { name: "p.txt", content: "x" })).status).toBe(401);
      expect((await t.request("DELETE", "/api/v1/files/all", { token: alice })).status).toBe(401);
      expect((await t.request("DELETE", "/api/v1/files/x", { token: alice })).status).toBe(404);
    });

    test("delete removes row, blob and collection; delete all empties everything", async () => {
      const f = await uploadAndProcess(t, alice, { name: "gone.txt", content: "temporary" });
      const res = await t.request("DELETE", `/api/v1/files/${f.uploaded.id}`, { token: alice });
      expect(res.body).toEqual({ message: "File deleted successfully" });
      expect(existsSync(f.file.path)).toBe(false);
      expect((await t.request("GET", `/api/v1/files/${f.uploaded.id}`, { token: alice })).status).toBe(404);
      const all = await t.request("DELETE", "/api/v1/files/all", { token: admin });
      expect(all.body).toEqual({ message: "All files deleted successfully" });
      expect((await t.request("GET", "/api/v1/files/", { token: admin })).body).toEqual([]);
      expect(readdirSync(t.ctx.env.uploadDir)).toEqual([]);
    });
  });
}
