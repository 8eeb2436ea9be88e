// Placeholders in system prompts and task templates: {{USER_NAME}}, {{CURRENT_DATE}}, {{prompt}},
// {{MESSAGES:END:2}} and their relatives, with utils/task.py's meaning.

export interface ChatMessage {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

export interface TemplateUser {
  name?: string | null;
  bio?: string | null;
  gender?: string | null;
  date_of_birth?: string | null;
  info?: unknown;
}

const pad = (n: number) => String(n).padStart(2, "0");
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Python's str() of an optional value. */
const pyStr = (value: unknown) => (value === null || value === undefined ? "None" : String(value));

function ageFrom(birth: string | null | undefined, today: Date): number | null {
  if (!birth) return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birth);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const before = today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day);
  return today.getFullYear() - year - (before ? 1 : 0);
}

/** prompt_template: date/time of the server and the user's profile fields. */
export function fillUserAndDate(template: string, user?: TemplateUser | null, now = new Date()): string {
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const hours = now.getHours() % 12 === 0 ? 12 : now.getHours() % 12;
  const time = `${pad(hours)}:${pad(now.getMinutes())}:${pad(now.getSeconds())} ${now.getHours() < 12 ? "AM" : "PM"}`;
  const values: Record<string, string> = {
    "{{CURRENT_DATE}}": date,
    "{{CURRENT_TIME}}": time,
    "{{CURRENT_DATETIME}}": `${date} ${time}`,
    "{{CURRENT_WEEKDAY}}": WEEKDAYS[now.getDay()] as string,
  };
  if (user) {
    const info = typeof user.info === "object" && user.info !== null ? (user.info as Record<string, unknown>) : {};
    Object.assign(values, {
      "{{USER_NAME}}": pyStr(user.name),
      "{{USER_BIO}}": pyStr(user.bio),
      "{{USER_GENDER}}": pyStr(user.gender),
      "{{USER_BIRTH_DATE}}": pyStr(user.date_of_birth),
      "{{USER_AGE}}": pyStr(ageFrom(user.date_of_birth, now)),
      "{{USER_LOCATION}}": pyStr(info.location),
    });
  } else {
    for (const name of ["NAME", "BIO", "GENDER", "BIRTH_DATE", "AGE", "LOCATION"]) values[`{{USER_${name}}}`] = "Unknown";
  }
  let out = template;
  for (const [placeholder, value] of Object.entries(values)) out = out.replaceAll(placeholder, value);
  return out;
}

/** prompt_variables_template: the chat's {"{{NAME}}": value} variables, literally. */
export function fillVariables(template: string, variables: unknown): string {
  if (typeof variables !== "object" || variables === null) return template;
  let out = template;
  for (const [name, value] of Object.entries(variables)) out = out.replaceAll(name, String(value));
  return out;
}

export function contentText(message: ChatMessage | undefined): string | null {
  if (!message) return null;
  const { content } = message;
  if (Array.isArray(content)) {
    for (const item of content) {
      if (item && typeof item === "object" && (item as Record<string, unknown>).type === "text") {
        return String((item as Record<string, unknown>).text ?? "");
      }
    }
    return null;
  }
  return content === undefined || content === null ? null : String(content);
}

export function lastUserMessage(messages: ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === "user") return contentText(messages[i]);
  return null;
}

export function messagesAsText(messages: ChatMessage[]): string {
  return messages.map((m) => `${String(m.role).toUpperCase()}: ${pyStr(contentText(m))}`).join("\n");
}

function truncateMiddle(text: string, length: number): string {
  if (text.length <= length) return text;
  return `${text.slice(0, Math.ceil(length / 2))}...${text.slice(text.length - Math.floor(length / 2))}`;
}

/** {{prompt}}, {{prompt:start:N}}, {{prompt:end:N}}, {{prompt:middletruncate:N}} (any case). */
export function fillPrompt(template: string, prompt: string | null, caseInsensitive = true): string {
  const text = prompt ?? "";
  const pattern = /{{prompt}}|{{prompt:start:(\d+)}}|{{prompt:end:(\d+)}}|{{prompt:middletruncate:(\d+)}}/g;
  const regex = caseInsensitive ? new RegExp(pattern.source, "gi") : pattern;
  return template.replace(regex, (whole, start?: string, end?: string, middle?: string) => {
    if (whole.toLowerCase() === "{{prompt}}") return text;
    if (start !== undefined) return text.slice(0, Number(start));
    if (end !== undefined) return Number(end) === 0 ? text : text.slice(-Number(end));
    if (middle !== undefined) return truncateMiddle(text, Number(middle));
    return "";
  });
}

/** {{MESSAGES}}, {{MESSAGES:START:N}}, {{MESSAGES:END:N}}, {{MESSAGES:MIDDLETRUNCATE:N}}. */
export function fillMessages(template: string, messages: ChatMessage[] | null | undefined): string {
  return template.replace(
    /{{MESSAGES}}|{{MESSAGES:START:(\d+)}}|{{MESSAGES:END:(\d+)}}|{{MESSAGES:MIDDLETRUNCATE:(\d+)}}/g,
    (whole, start?: string, end?: string, middle?: string) => {
      if (!messages) return "";
      if (whole === "{{MESSAGES}}") return messagesAsText(messages);
      if (start !== undefined) return messagesAsText(messages.slice(0, Number(start)));
      if (end !== undefined) return messagesAsText(Number(end) === 0 ? messages : messages.slice(-Number(end)));
      if (middle !== undefined) {
        const count = Number(middle);
        if (messages.length <= count) return messagesAsText(messages);
        const half = Math.floor(count / 2);
        const head = messages.slice(0, half);
        const tail = count % 2 === 0 ? messages.slice(messages.length - half) : messages.slice(messages.length - half - 1);
        return `${messagesAsText(head)}\n${messagesAsText(tail)}`;
      }
      return "";
    },
  );
}

/** The common task template: prompt, messages, then user and date placeholders. */
export function fillTaskTemplate(template: string, messages: ChatMessage[], user?: TemplateUser | null): string {
  return fillUserAndDate(fillMessages(fillPrompt(template, lastUserMessage(messages)), messages), user);
}
