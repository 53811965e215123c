/** Front-matter values written by the hub: plain when YAML reads them back unchanged, else JSON-quoted. */
import { HubError, ErrorCodes } from '../errors.js';
import { parseYaml } from './front-matter.js';

export function yamlScalar(value: string, field: string): string {
  if (/^[A-Za-z0-9_][^\n\r:#'"{}[\],&*!|>%@`]*$/.test(value) && !/\s$/.test(value) && readsBackAs(value, value)) return value;
  const quoted = JSON.stringify(value);
  if (readsBackAs(quoted, value)) return quoted;
  throw new HubError(ErrorCodes.INVALID_ARGUMENT, `The value of "${field}" cannot be written as YAML; remove control characters from it.`, { data: { field } });
}

export function yamlList(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

function readsBackAs(written: string, expected: string): boolean {
  const parsed = parseYaml(`v: ${written}`);
  if (!parsed.ok) return false;
  const value = (parsed.data as { v?: unknown }).v;
  return typeof value === 'string' && value === expected;
}
