import { readFileSync } from 'node:fs';
import { fromRoot } from '../paths.js';

/** The package version, read from package.json at run time so it cannot drift. */
export function version(): string {
  return (JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
}
