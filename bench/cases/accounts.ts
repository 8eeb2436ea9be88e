// Accounts: the session read every page load starts with (GET /api/v1/auths/ resolves the
// caller, reads its groups and merges permissions).
import type { BenchCase } from "../case";

export default {
  name: "accounts",
  title: "Session and permissions",
  requests: () => [
    { label: "/api/v1/auths/ (signed in)", path: "/api/v1/auths/", as: "user", python: true },
    { label: "/api/v1/users/permissions", path: "/api/v1/users/permissions", as: "user", python: true },
  ],
} satisfies BenchCase;
