// An OpenAPI document as tool specs ({name, description, parameters}), one per operation that has
// an operationId, as convert_openapi_to_tool_payload does: path and query parameters become
// properties, a JSON request body's schema (with its $refs resolved) adds its properties.

export type Json = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  description: unknown;
  parameters: Json;
}

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const MAX_DEPTH = 32;

/** resolve_schema: `#/components/...` references replaced by their targets, nested schemas too. */
export function resolveSchema(schema: unknown, components: Json, depth = 0): Json {
  if (!isRecord(schema) || depth > MAX_DEPTH) return {};
  if (typeof schema.$ref === "string") {
    const parts = schema.$ref.replace(/^[#/]+|[#/]+$/g, "").split("/").slice(1);
    let target: unknown = components;
    for (const part of parts) target = isRecord(target) ? target[part] : undefined;
    return resolveSchema(target ?? {}, components, depth + 1);
  }
  const resolved: Json = structuredClone(schema);
  if (isRecord(resolved.properties)) {
    for (const [name, inner] of Object.entries(resolved.properties)) {
      resolved.properties[name] = resolveSchema(inner, components, depth + 1);
    }
  }
  if ("items" in resolved) resolved.items = resolveSchema(resolved.items, components, depth + 1);
  return resolved;
}

function parameterProperty(param: Json): Json {
  const schema = isRecord(param.schema) ? param.schema : {};
  let description = typeof schema.description === "string" && schema.description ? schema.description : "";
  if (!description) description = typeof param.description === "string" ? param.description : "";
  if (Array.isArray(schema.enum) && schema.enum.length > 0) description += `. Possible values: ${schema.enum.join(", ")}`;
  const property: Json = { type: schema.type ?? null, description };
  if (schema.type === "array" && "items" in schema) property.items = schema.items;
  return property;
}

function operationSpec(operation: Json, components: Json): ToolSpec {
  const description =
    "description" in operation ? operation.description : "summary" in operation ? operation.summary : "No description available.";
  const properties: Json = {};
  let required: string[] = [];
  let parameters: Json = { type: "object", properties, required };
  for (const param of Array.isArray(operation.parameters) ? operation.parameters : []) {
    if (!isRecord(param) || typeof param.name !== "string") continue;
    properties[param.name] = parameterProperty(param);
    if (param.required) required.push(param.name);
  }
  const content = isRecord(operation.requestBody) && isRecord(operation.requestBody.content) ? operation.requestBody.content : {};
  const json = isRecord(content["application/json"]) ? content["application/json"] : {};
  if (json.schema) {
    const body = resolveSchema(json.schema, components);
    if (isRecord(body.properties) && Object.keys(body.properties).length > 0) {
      Object.assign(properties, body.properties);
      if (Array.isArray(body.required)) {
        required = [...new Set([...required, ...body.required.filter((r): r is string => typeof r === "string")])];
        parameters.required = required;
      }
    } else if (body.type === "array") {
      parameters = body;
    }
  }
  return { name: String(operation.operationId), description, parameters };
}

export function openapiToToolSpecs(spec: Json): ToolSpec[] {
  const specs: ToolSpec[] = [];
  const components = isRecord(spec.components) ? spec.components : {};
  for (const methods of Object.values(isRecord(spec.paths) ? spec.paths : {})) {
    if (!isRecord(methods)) continue;
    for (const operation of Object.values(methods)) {
      if (isRecord(operation) && operation.operationId) specs.push(operationSpec(operation, components));
    }
  }
  return specs;
}

export interface Operation {
  path: string;
  method: string;
  operation: Json;
}

/** The route and method of the operation with this operationId. */
export function findOperation(spec: Json, operationId: string): Operation | null {
  for (const [path, methods] of Object.entries(isRecord(spec.paths) ? spec.paths : {})) {
    if (!isRecord(methods)) continue;
    for (const [method, operation] of Object.entries(methods)) {
      if (isRecord(operation) && operation.operationId === operationId) return { path, method: method.toLowerCase(), operation };
    }
  }
  return null;
}
