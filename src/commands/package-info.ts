/** Where the installed package lives (works from src/ under vitest and from dist/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export function templatePath(name: string): string {
  return fileURLToPath(new URL(`../../templates/${name}`, import.meta.url));
}

export function cliPath(): string {
  return fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
}
