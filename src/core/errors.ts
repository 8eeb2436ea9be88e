// FastAPI-shaped errors: every failure leaves the server as {"detail": ...} with a status code.

/** Open WebUI's ERROR_MESSAGES texts (constants.py), word for word: the frontend shows them. */
export const ERROR_MESSAGES = {
  DEFAULT: "Something went wrong :/",
  CREATE_USER_ERROR:
    "Oops! Something went wrong while creating your account. Please try again later. If the issue persists, contact support for assistance.",
  DELETE_USER_ERROR:
    "Oops! Something went wrong. We encountered an issue while trying to delete the user. Please give it another shot.",
  EMAIL_TAKEN:
    "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew.",
  PASSWORD_TOO_LONG:
    "Uh-oh! The password you entered is too long. Please make sure your password is less than 72 bytes long.",
  COMMAND_TAKEN: "Uh-oh! This command is already registered. Please choose another command string.",
  INVALID_TOKEN: "Your session has expired or the token is invalid. Please sign in again.",
  INVALID_CRED: "The email or password provided is incorrect. Please check for typos and try logging in again.",
  INVALID_EMAIL_FORMAT:
    "The email format you entered is invalid. Please double-check and make sure you're using a valid email address (e.g., yourname@example.com).",
  INVALID_PASSWORD: "The password provided is incorrect. Please check for typos and try again.",
  INVALID_TRUSTED_HEADER:
    "Your provider has not provided a trusted header. Please contact your administrator for assistance.",
  EXISTING_USERS:
    "You can't turn off authentication because there are existing users. If you want to disable WEBUI_AUTH, make sure your web interface doesn't have any existing users and is a fresh installation.",
  UNAUTHORIZED: "401 Unauthorized",
  ACCESS_PROHIBITED:
    "You do not have permission to access this resource. Please contact your administrator for assistance.",
  ACTION_PROHIBITED: "The requested action has been restricted as a security measure.",
  NOT_FOUND: "We could not find what you're looking for :/",
  USER_NOT_FOUND: "We could not find what you're looking for :/",
  API_KEY_NOT_FOUND:
    "Oops! It looks like there's a hiccup. The API key is missing. Please make sure to provide a valid API key to access this feature.",
  API_KEY_NOT_ALLOWED: "Use of API key is not enabled in the environment.",
  API_KEY_CREATION_NOT_ALLOWED: "API key creation is not allowed in the environment.",
  CREATE_API_KEY_ERROR:
    "Oops! Something went wrong while creating your API key. Please try again later. If the issue persists, contact support for assistance.",
  RATE_LIMIT_EXCEEDED: "API rate limit exceeded",
  MALICIOUS: "Unusual activities detected, please try again in a few minutes.",
  NOT_AUTHENTICATED: "Not authenticated",
  MODEL_ID_TAKEN: "Uh-oh! This model id is already registered. Please choose another model id string.",
  OPENAI_NOT_FOUND: "OpenAI API was not found",
  OLLAMA_NOT_FOUND: "WebUI could not connect to Ollama",
  OLLAMA_API_DISABLED: "The Ollama API is disabled. Please enable it to use this feature.",
  USER_MISMATCH: "User mismatch. Please sign in again.",
  FILE_EXISTS: "Uh-oh! This file is already registered. Please choose another file.",
  ID_TAKEN: "Uh-oh! This id is already registered. Please choose another id string.",
  FILE_NOT_SUPPORTED:
    "Oops! It seems like the file format you're trying to upload is not supported. Please upload a file with a supported format and try again.",
  EMPTY_CONTENT: "The content provided is empty. Please ensure that there is text or data present before proceeding.",
  DUPLICATE_CONTENT: "Duplicate content detected. Please provide unique content to proceed.",
  FILE_NOT_PROCESSED:
    "Extracted content is not available for this file. Please ensure that the file is processed before proceeding.",
  INVALID_URL: "Oops! The URL you provided is invalid. Please double-check and try again.",
  WEB_SEARCH_ERROR: "Oops! Something went wrong while searching the web.",
} as const;

/** Open WebUI's ERROR_MESSAGES.DEFAULT(err): the generic text, or `[ERROR: <err>]`. */
export function defaultError(err?: unknown): string {
  const text = err instanceof Error ? err.message : err === undefined || err === null ? "" : String(err);
  return text ? `[ERROR: ${text}]` : ERROR_MESSAGES.DEFAULT;
}

/** Open WebUI's ERROR_MESSAGES.FILE_TOO_LARGE(size). */
export function fileTooLarge(size: string): string {
  return `Oops! The file you're trying to upload is too large. Please upload a file that is less than ${size}.`;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: [string, string][] = [],
  ) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
  }

  /** The response body; FastAPI's `{"detail": ...}` unless a protocol needs its own shape. */
  body(): unknown {
    return { detail: this.detail };
  }
}

export const badRequest = (detail: string = ERROR_MESSAGES.DEFAULT) => new HttpError(400, detail);
export const unauthorized = (detail: string = ERROR_MESSAGES.UNAUTHORIZED) => new HttpError(401, detail);
export const forbidden = (detail: string = ERROR_MESSAGES.ACCESS_PROHIBITED) => new HttpError(403, detail);
export const notFound = (detail: string = ERROR_MESSAGES.NOT_FOUND) => new HttpError(404, detail);

/** Pydantic's "loc/msg/type" entries, built from a TypeBox validation error. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

export function json(status: number, body: unknown, headers: [string, string][] = []): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: [["content-type", "application/json"], ...headers],
  });
}

const JSON_TEXT: ResponseInit = { headers: { "content-type": "application/json" } };

/** A 200 answer whose JSON text is already made (kept in a cache), sent as it is. */
export function jsonText(text: string | Promise<string>): Response | Promise<Response> {
  return typeof text === "string" ? new Response(text, JSON_TEXT) : text.then(jsonText);
}
