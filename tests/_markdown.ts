// Reading the docs' Markdown in tests: the running text of a page.

/**
 * The text of a page with code blocks, code spans and headings blanked out
 * (same length, line breaks kept, so positions and line numbers still hold).
 */
export function prose(markdown: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, " ");
  return markdown
    .replace(/^(```|~~~)[\s\S]*?^\1/gm, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/^#{1,6} .*$/gm, blank);
}
