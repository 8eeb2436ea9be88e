// /api/v1/pipelines (routers/pipelines.py): the admin's view of the Pipelines servers among the
// OpenAI connections: which connections are such servers, their pipelines, adding one from a
// URL or an uploaded .py file, deleting one, and a pipeline's valves.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { HttpError } from "../core/errors";
import { readJsonObject } from "../chat/payload";
import { missingField } from "../core/multipart";
import { catalogFor } from "../models/catalog";
import { callPipelinesServer, listPipelinesServers, pipelinesServer, uploadFileName } from "./server";

/** FastAPI's int parameter: 422 unless a whole number. */
function intValue(value: string, loc: [string, string]): number {
  if (!/^\s*[-+]?\d+\s*$/.test(value)) {
    throw new HttpError(422, [
      { type: "int_parsing", loc, msg: "Input should be a valid integer, unable to parse string as an integer", input: value },
    ]);
  }
  return Number(value);
}

function requiredUrlIdx(value: string | undefined): number {
  if (value === undefined) throw new HttpError(422, [{ type: "missing", loc: ["query", "urlIdx"], msg: "Field required", input: null }]);
  return intValue(value, ["query", "urlIdx"]);
}

const UrlIdxQuery = t.Object({ urlIdx: t.Optional(t.String()) });

export function pipelinesRoutes(ctx: AppContext) {
  const timeout = () => catalogFor(ctx).upstream.requestTimeoutMs;
  const call = (urlIdx: number | undefined, method: "GET" | "POST" | "DELETE", path: string, body?: Record<string, unknown> | FormData) =>
    callPipelinesServer(pipelinesServer(ctx, urlIdx), method, path, body, timeout());
  const AD = { auth: "admin" as const, detail: { tags: ["pipelines"] } };

  return new Elysia({ name: "pipelines", prefix: "/api/v1/pipelines" })
    .use(authGuard(ctx))
    .get("/list", async ({ user }) => ({ data: await listPipelinesServers(ctx, catalogFor(ctx).upstream, user) }), AD)
    .post(
      "/upload",
      async ({ request }) => {
        let form: FormData;
        try {
          form = (await request.formData()) as FormData;
        } catch {
          throw missingField("urlIdx");
        }
        const rawIdx = form.get("urlIdx");
        if (typeof rawIdx !== "string") throw missingField("urlIdx");
        const urlIdx = intValue(rawIdx, ["body", "urlIdx"]);
        const file = form.get("file");
        if (!(file instanceof File)) throw missingField("file");
        const name = uploadFileName(file.name);
        if (!name.endsWith(".py")) throw new HttpError(400, "Only Python (.py) files are allowed.");
        const forwarded = new FormData();
        forwarded.append("file", new File([await file.arrayBuffer()], name));
        return call(urlIdx, "POST", "/pipelines/upload", forwarded);
      },
      { ...AD, parse: "none" },
    )
    .post("/add", ({ body }) => call(body.urlIdx, "POST", "/pipelines/add", { url: body.url }), {
      ...AD,
      body: t.Object({ url: t.String(), urlIdx: t.Integer() }),
    })
    .delete("/delete", ({ body }) => call(body.urlIdx, "DELETE", "/pipelines/delete", { id: body.id }), {
      ...AD,
      body: t.Object({ id: t.String(), urlIdx: t.Integer() }),
    })
    .get(
      "/",
      ({ query }) => call(query.urlIdx === undefined ? undefined : intValue(query.urlIdx, ["query", "urlIdx"]), "GET", "/pipelines"),
      { ...AD, query: UrlIdxQuery },
    )
    .get(
      "/:pipeline_id/valves",
      ({ params, query }) => call(requiredUrlIdx(query.urlIdx), "GET", `/${encodeURIComponent(params.pipeline_id)}/valves`),
      { ...AD, query: UrlIdxQuery },
    )
    .get(
      "/:pipeline_id/valves/spec",
      ({ params, query }) => call(requiredUrlIdx(query.urlIdx), "GET", `/${encodeURIComponent(params.pipeline_id)}/valves/spec`),
      { ...AD, query: UrlIdxQuery },
    )
    .post(
      "/:pipeline_id/valves/update",
      async ({ params, query, request }) => {
        const urlIdx = requiredUrlIdx(query.urlIdx);
        const form = await readJsonObject(request);
        return call(urlIdx, "POST", `/${encodeURIComponent(params.pipeline_id)}/valves/update`, form);
      },
      { ...AD, query: UrlIdxQuery, parse: "none" },
    );
}
