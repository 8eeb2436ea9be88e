// What every engine gets and gives back.
import type { AppContext } from "../../context";
import type { UserInfo } from "../../core/upstream";
import type { ImageData } from "../image-data";

export interface ImageJob {
  prompt: string;
  n: number;
  width: number;
  height: number;
  /** The size the request asked for, if any (the OpenAI engine passes it on as is). */
  requestedSize: string | null;
  negativePrompt: string | null;
}

export interface EngineResult {
  images: ImageData[];
  /** Stored with each image file (meta.data), as the reference does: the engine request. */
  metadata: Record<string, unknown>;
}

export type ImageModel = { id: string; name: string };

export interface EngineContext {
  ctx: AppContext;
  user: UserInfo;
}
