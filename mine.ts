import { startTestApp } from "/work/wt/models/test/support/app";
import { insertUser } from "/work/wt/models/test/support/users";
const t = await startTestApp("sqlite", { OPENAI_API_BASE_URLS: "http://127.0.0.1:18931/v1", OPENAI_API_KEYS: "sk-x", OLLAMA_BASE_URLS: "http://127.0.0.1:18932" });
const admin = await insertUser(t.ctx, { role: "admin", name: "Admin" });
const tok = t.tokenFor(admin.id);
const reqs = JSON.parse(process.argv[2]);
for (const [method, path, body] of reqs) {
  const r = await t.request(method, path, { token: tok, body });
  console.log(r.status, r.headers.get("content-type"), r.text.slice(0, 3000));
}
await Bun.sleep(300);
await t.close(); await t.database.drop();
