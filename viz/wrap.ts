/**
 * Greedy word wrap for diagram text. Layout engines size boxes to their longest line, so prose
 * (state descriptions, long guards) is broken before it reaches them.
 */

/** Splits `text` into lines of at most `width` characters, breaking at spaces only. */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
