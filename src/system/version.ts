/** The Open WebUI release whose API this server speaks; the frontend compares against it. */
export const VERSION = "0.6.32";
