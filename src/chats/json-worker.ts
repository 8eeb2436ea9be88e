// Worker thread for the chat document operations of chat-json.ts, so parsing and serializing
// a huge chat never holds up the event loop that serves everyone else.
import { OPERATIONS, type Operations } from "./chat-json";

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; name: keyof Operations; args: unknown }>) => {
  const { id, name, args } = event.data;
  try {
    const run = OPERATIONS[name] as (input: unknown) => unknown;
    self.postMessage({ id, result: run(args) });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
