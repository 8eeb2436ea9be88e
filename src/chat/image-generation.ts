// chat_image_generation_handler: the task model turns the conversation into an image prompt (when
// ENABLE_IMAGE_PROMPT_GENERATION is on), the configured engine draws it, the images reach the
// message as a `files` event, and a system message tells the model whether it worked.
import type { AppContext } from "../context";
import { generateImages, mayGenerateImages } from "../images/generate";
import type { ModelCatalog } from "../models/catalog";
import { completionObject, runTask } from "../tasks/generate";
import type { ChatMessage } from "../tasks/prompt";
import type { UserRow } from "../users/repository";
import { addOrUpdateSystemMessage, type Json } from "./payload";
import type { PipelineHooks } from "./pipeline";

const SHOWN = "<context>User is shown the generated image, tell the user that the image has been generated</context>";
const FAILED = "<context>Unable to generate an image, tell the user that an error occurred</context>";

async function imagePrompt(ctx: AppContext, catalog: ModelCatalog, form: Json, user: UserRow, question: string, metadata: Json, hooks: PipelineHooks) {
  if (!ctx.config.get("ENABLE_IMAGE_PROMPT_GENERATION")) return question;
  try {
    const outcome = await runTask(ctx, catalog, "image_prompt", { model: form.model, messages: form.messages }, user, { credentials: hooks.credentials, metadata });
    const prompt = completionObject(outcome)?.prompt;
    return typeof prompt === "string" && prompt.trim() ? prompt : question;
  } catch (error) {
    ctx.log.warn("the image prompt could not be generated", error);
    return question;
  }
}

/** Runs features.image_generation for a chat turn; form.messages gets the outcome as context. */
export async function generateImageForChat(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  question: string,
  metadata: Json,
  hooks: PipelineHooks,
): Promise<void> {
  // The frontend offers the toggle only then; a request that sets it anyway is ignored.
  if (!(await mayGenerateImages(ctx, user))) return;
  hooks.status?.({ description: "Creating image", done: false });
  const prompt = await imagePrompt(ctx, catalog, form, user, question, metadata, hooks);
  let context: string;
  try {
    const images = await generateImages(ctx, user, { prompt });
    hooks.status?.({ description: "Image created", done: true });
    await hooks.event?.("files", images.map((image) => ({ type: "image", url: image.url })));
    context = SHOWN;
  } catch (error) {
    ctx.log.warn("image generation for a chat failed", error);
    hooks.status?.({ description: "An error occurred while generating an image", done: true });
    context = FAILED;
  }
  const messages = Array.isArray(form.messages) ? (form.messages as ChatMessage[]) : [];
  form.messages = addOrUpdateSystemMessage(context, messages);
}
