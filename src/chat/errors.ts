/** A failure the reference raises as a bare Exception (its text becomes the detail). */
export class ChatError extends Error {}
