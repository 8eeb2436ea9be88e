// Loaded before every test file: CI must reach the real services, never skip them silently.
if (process.env.CI === "true") {
  for (const name of ["TEST_DATABASE_URL", "REDIS_URL"]) {
    if (!process.env[name]) throw new Error(`${name} must be set in CI: database and Redis tests may not be skipped`);
  }
  if (!process.env.FUNCTIONS_PYTHON) throw new Error("FUNCTIONS_PYTHON must be set in CI: the tests that run functions and tools may not be skipped");
  if (!(await Bun.file("/usr/sbin/slapd").exists())) throw new Error("slapd must be installed in CI for the LDAP tests");
}
export {};
