import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** Junction's version, from core's package.json. */
export function junctionVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
