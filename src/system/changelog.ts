// /api/changelog: the newest five versions of CHANGELOG.md, in Open WebUI's JSON layout
// ({version: {date, <section>: [{title, content, raw}]}}).
import changelogText from "../../CHANGELOG.md" with { type: "text" };

type Item = { title: string; content: string; raw: string };
type Version = { date: string } & Record<string, Item[] | string>;

export function parseChangelog(markdown: string): Record<string, Version> {
  const versions: Record<string, Version> = {};
  let current: Version | undefined;
  let section: Item[] | undefined;
  for (const line of markdown.split("\n")) {
    const heading = /^## \[([^\]]+)\] - (.+)$/.exec(line.trim());
    if (heading) {
      current = versions[heading[1] as string] = { date: (heading[2] as string).trim() };
      section = undefined;
      continue;
    }
    const sectionHeading = /^### (.+)$/.exec(line.trim());
    if (sectionHeading && current) {
      section = current[(sectionHeading[1] as string).trim().toLowerCase()] = [];
      continue;
    }
    const bullet = /^- (.+)$/.exec(line.trim());
    if (bullet && section) section.push(toItem(bullet[1] as string));
  }
  return versions;
}

function toItem(markdown: string): Item {
  const text = markdown.replace(/\*\*([^*]+)\*\*/g, "$1").replace(/`([^`]+)`/g, "$1");
  const split = text.indexOf(": ");
  const html = escapeHtml(markdown).replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>").replace(/`([^`]+)`/g, "<code>$1</code>");
  return {
    title: split > 0 ? text.slice(0, split).trim() : "",
    content: split > 0 ? text.slice(split + 2).trim() : text,
    raw: `<li>${html}</li>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const parsed = parseChangelog(changelogText);
export const CHANGELOG = Object.fromEntries(Object.entries(parsed).slice(0, 5));
