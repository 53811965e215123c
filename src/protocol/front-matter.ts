/**
 * Where a file's YAML front matter is, line by line, and what it says. The block is found by
 * position here (the editors need exact offsets); its YAML is parsed by gray-matter's YAML
 * engine, always with options so gray-matter's content cache is never used, and always as
 * YAML (gray-matter would otherwise honour `---js` and evaluate the block as JavaScript).
 */
import matter from 'gray-matter';
import { bomLength } from './text.js';

export interface FrontMatterBlock {
  /** Offset of the opening `---`. */
  readonly start: number;
  /** Offset of the first YAML line and of the closing delimiter line. */
  readonly yamlStart: number;
  readonly yamlEnd: number;
  /** Offset just past the closing delimiter line, its line break included. */
  readonly end: number;
  /** 1-based lines of the opening and closing delimiters. */
  readonly openLine: number;
  readonly closeLine: number;
  readonly yaml: string;
}

export type FrontMatterLocation = { readonly kind: 'none' } | { readonly kind: 'unclosed' } | ({ readonly kind: 'block' } & FrontMatterBlock);

export function locateFrontMatter(text: string): FrontMatterLocation {
  const start = bomLength(text);
  const open = /^---[ \t]*\r?\n/.exec(text.slice(start, start + 64));
  if (open === null) return { kind: 'none' };
  const yamlStart = start + open[0].length;
  const close = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/gm;
  close.lastIndex = yamlStart;
  const found = close.exec(text);
  if (found === null) return { kind: 'unclosed' };
  const yamlEnd = found.index;
  let closeLine = 2;
  for (let i = text.indexOf('\n', yamlStart - 1); i !== -1 && i < yamlEnd; i = text.indexOf('\n', i + 1)) closeLine++;
  return {
    kind: 'block',
    start,
    yamlStart,
    yamlEnd,
    end: yamlEnd + found[0].length,
    openLine: 1,
    closeLine: closeLine - 1,
    yaml: text.slice(yamlStart, yamlEnd),
  };
}

export type YamlResult = { readonly ok: true; readonly data: unknown } | { readonly ok: false; readonly line: number; readonly message: string };

/** Parses a front matter block's YAML. `line` of an error is 1-based within the YAML text. */
export function parseYaml(yaml: string): YamlResult {
  const stray = /(?:^|\n)(---|\.\.\.)/.exec(yaml);
  if (stray !== null) {
    return {
      ok: false,
      line: lineOfOffset(yaml, stray.index + (yaml[stray.index] === '\n' ? 1 : 0)),
      message: `a line starting with "${stray[1] ?? '---'}" inside the front matter`,
    };
  }
  try {
    const file = matter(`---\n${yaml}\n---\n`, { language: 'yaml' });
    return { ok: true, data: file.data };
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? (error instanceof Error ? error.message : String(error));
    // gray-matter hands js-yaml the block with the opening line break, so js-yaml's 0-based line is already 1-based here.
    return { ok: false, line: Math.max(1, mark?.line ?? 1), message: reason };
  }
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export interface YamlKey {
  readonly key: string;
  /** 1-based line within the YAML text, and the last line of its value (block values span lines). */
  readonly line: number;
  readonly lastLine: number;
}

/** Top-level keys of a YAML mapping block, with the lines their values span. */
export function yamlKeys(yaml: string): YamlKey[] {
  const lines = yaml.split('\n');
  const keys: YamlKey[] = [];
  let current: { key: string; line: number; lastLine: number } | null = null;
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const key = /^([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]|$)/.exec(line);
    if (key?.[1] !== undefined) {
      if (current !== null) keys.push(current);
      current = { key: key[1], line: index + 1, lastLine: index + 1 };
    } else if (current !== null && /^(?:[ \t]+\S|-(?:[ \t]|$))/.test(line) && current.lastLine === index) {
      current.lastLine = index + 1;
    }
  });
  if (current !== null) keys.push(current);
  return keys;
}
