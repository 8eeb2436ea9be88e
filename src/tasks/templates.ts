// Default prompts for the small background tasks, used when the admin left a template empty.
// They ask for the same JSON keys the frontend parses ({"title"}, {"tags"}, {"follow_ups"},
// {"queries"}, {"prompt"}, {"text"}); the wording is this project's own.

export const TITLE_TEMPLATE = `Write a short title for the conversation below.

Rules:
- Three to five words that name the main subject; you may start with one fitting emoji.
- Use the language the conversation is written in (English if it mixes several).
- No quotation marks, no markdown, no explanation.
- Answer with one JSON object and nothing else, exactly like: {"title": "the title"}

Conversation:
<chat_history>
{{MESSAGES:END:2}}
</chat_history>`;

export const TAGS_TEMPLATE = `Classify the conversation below with a few tags for filing it.

Rules:
- Give one to three broad subject tags (for example Science, Programming, Travel), then up to two more specific ones.
- Use the language the conversation is written in; English when unsure.
- If the conversation is too short to classify, give a single tag: "General".
- Answer with one JSON object and nothing else, exactly like: {"tags": ["Tag one", "Tag two"]}

Conversation:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`;

export const FOLLOW_UP_TEMPLATE = `Suggest three to five short questions the user could ask next, given the conversation below.

Rules:
- Write them from the user's point of view, as the user would type them.
- Each one should go deeper into or build on what was just discussed; keep them brief and varied.
- Use the language the conversation is written in.
- Answer with one JSON object and nothing else, exactly like: {"follow_ups": ["First question?", "Second question?"]}

Conversation:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`;

export const QUERY_TEMPLATE = `Decide which search queries would find information that helps answer the latest message of the conversation below.

Rules:
- Prefer to search: give one to three short, distinct queries when anything could be looked up.
- Only when nothing useful could possibly be found, give an empty list.
- Write the queries in the language of the conversation. Today is {{CURRENT_DATE}}.
- Answer with one JSON object and nothing else, exactly like: {"queries": ["first query", "second query"]}

Conversation:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`;

export const IMAGE_PROMPT_TEMPLATE = `Describe, for an image generator, the picture the user is asking for in the conversation below.

Rules:
- Name the subject, the setting, the style, the lighting and the mood in one rich paragraph.
- Keep only details that matter to the picture; leave out anything conversational.
- Answer with one JSON object and nothing else, exactly like: {"prompt": "the description"}

Conversation:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>`;

export const AUTOCOMPLETE_TEMPLATE = `Continue the user's unfinished text. The kind of text is given in <type> ("General" for ordinary writing, "Search Query" for a search box).

Rules:
- Return only the words that should come next, as if you were the user still typing; never repeat or reword the beginning.
- Keep it short and natural, in the same language.
- If nothing sensible fits, return an empty continuation.
- Answer with one JSON object and nothing else, exactly like: {"text": "the continuation"}

Recent conversation:
<chat_history>
{{MESSAGES:END:6}}
</chat_history>
<type>{{TYPE}}</type>
<text>{{PROMPT}}</text>`;

export const EMOJI_TEMPLATE = `Pick the single emoji that best shows the feeling or facial expression of the speaker of this message. Answer with that one emoji only.

Message: \`\`\`{{prompt}}\`\`\``;

export const MOA_TEMPLATE = `Several assistants answered the user's question "{{prompt}}". Their answers follow.

Combine them into one answer that is better than each of them: keep what is correct and useful, drop what is wrong or repeated, and write it clearly in your own words. Do not mention the individual answers.

Answers: {{responses}}`;

export const TOOLS_FUNCTION_CALLING_TEMPLATE = `You can call the tools described here (JSON, one entry per tool, with its parameters as a JSON schema):
{{TOOLS}}

Decide which of these tools, if any, must be called to answer the user's latest query, and with which arguments.

Rules:
- Only call a tool whose description fits the query; fill its required parameters from the conversation.
- If no tool fits, call none and give an empty list.
- Answer with one JSON object and nothing else, exactly like:
{"tool_calls": [{"name": "tool_name", "parameters": {"parameter": "value"}}]}
- With no tool to call, answer exactly: {"tool_calls": []}`;
