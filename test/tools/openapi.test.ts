// OpenAPI operations as tool specs, and tool server answers as tool results (files, embeds).
import { describe, expect, test } from "bun:test";
import { processToolResult } from "../../src/chat/tools";
import { openapiToToolSpecs } from "../../src/tools/openapi";
import { weatherSpec } from "../fakes/tool-server";

describe("openapiToToolSpecs", () => {
  test("operations with an operationId become specs; body schemas are resolved and merged", () => {
    const specs = openapiToToolSpecs(weatherSpec());
    expect(specs.map((s) => s.name)).toEqual(["get_weather", "add_note", "broken_tool"]);
    expect(specs[1]).toEqual({
      name: "add_note",
      description: "Save a note",
      parameters: {
        type: "object",
        properties: { title: { type: "string", description: "Title" }, body: { type: "string" } },
        required: ["title"],
      },
    });
    expect(specs[2]!.parameters).toEqual({ type: "object", properties: {}, required: [] });
  });

  test("array bodies, array parameters, missing descriptions, nested refs and malformed parts", () => {
    const specs = openapiToToolSpecs({
      paths: {
        "/batch": {
          parameters: [{ name: "ignored", in: "query" }],
          post: {
            operationId: "batch",
            parameters: [{ name: "tags", in: "query", required: true, schema: { type: "array", items: { type: "string" } } }, "nonsense"],
            requestBody: { content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Item" } } } } },
          },
        },
        "/loop": { get: { operationId: "loop", requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Loop" } } } } } },
        "/bad": "not an object",
      },
      components: {
        schemas: {
          Item: { type: "object", properties: { name: { type: "string" } } },
          Loop: { type: "object", properties: { next: { $ref: "#/components/schemas/Loop" } } },
        },
      },
    });
    expect(specs[0]).toEqual({
      name: "batch",
      description: "No description available.",
      parameters: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
    });
    expect(specs[1]!.name).toBe("loop");
  });
});

describe("processToolResult", () => {
  const answer = (data: unknown, headers: Record<string, string> = {}) => ({ data, headers: new Headers(headers) });

  test("objects and lists become indented JSON; data URLs in a list become files", () => {
    expect(processToolResult("t", answer({ a: 1 })).content).toBe('{\n  "a": 1\n}');
    const listed = processToolResult("t", answer(["one", "data:image/png;base64,AAAA", 2]));
    expect(JSON.parse(listed.content)).toEqual({ results: ["one", 2] });
    expect(listed.files).toEqual([{ type: "data", content: "data:image/png;base64,AAAA" }]);
    expect(processToolResult("t", answer("plain")).content).toBe("plain");
    expect(processToolResult("t", null).content).toBe("");
  });

  test("an inline HTML answer is an embed, and the model is told it is shown", () => {
    const html = processToolResult("chart", answer("<html>chart</html>", { "content-disposition": "inline", "content-type": "text/html" }));
    expect(html.embeds).toEqual(["<html>chart</html>"]);
    expect(JSON.parse(html.content)).toEqual({
      status: "success",
      code: "ui_component",
      message: "chart: Embedded UI result is active and visible to the user.",
    });
  });
});
