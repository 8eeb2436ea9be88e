// The foundation: the routes every page load of the frontend starts with.
import type { BenchCase } from "../case";

export default {
  name: "system",
  title: "Health and app config",
  requests: () => [
    { label: "/health", path: "/health", python: true },
    { label: "/api/config (anonymous)", path: "/api/config", python: true },
    { label: "/api/config (signed in)", path: "/api/config", as: "user", python: true },
  ],
} satisfies BenchCase;
