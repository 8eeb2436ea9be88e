// SCIM 2.0 schema URIs and the three discovery documents (RFC 7643/7644), with the contents
// Open WebUI 0.6.32 publishes.

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export const SERVICE_PROVIDER_CONFIG = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 1000, maxPayloadSize: 1048576 },
  filter: { supported: true, maxResults: 200 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: "oauthbearertoken",
      name: "OAuth Bearer Token",
      description: "Authentication using OAuth 2.0 Bearer Token",
    },
  ],
};

export function resourceTypes(baseUrl: string) {
  const resourceType = (name: "User" | "Group", schema: string) => ({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: name,
    name,
    endpoint: `/${name}s`,
    schema,
    meta: { location: `${baseUrl}api/v1/scim/v2/ResourceTypes/${name}`, resourceType: "ResourceType" },
  });
  return [resourceType("User", USER_SCHEMA), resourceType("Group", GROUP_SCHEMA)];
}

export const SCHEMAS = [
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: [
      { name: "userName", type: "string", required: true, uniqueness: "server" },
      { name: "displayName", type: "string", required: true },
      { name: "emails", type: "complex", multiValued: true, required: true },
      { name: "active", type: "boolean", required: false },
    ],
  },
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: [
      { name: "displayName", type: "string", required: true },
      { name: "members", type: "complex", multiValued: true, required: false },
    ],
  },
];
