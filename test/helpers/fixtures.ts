import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled tests run from dist/test/helpers; the JSON files stay in test/fixtures.
const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures');

/** Reads a provider-shaped fixture as raw bytes, the way a provider would send it. */
export function readFixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES_DIR, name));
}

/**
 * Returns the fixture's raw text with string values replaced, keeping the
 * pretty-printing: tests point the invented ids at rows they created.
 */
export function fixtureWith(name: string, replacements: Record<string, string | number>): Buffer {
  let text = readFixture(name).toString('utf8');
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(String(to));
  return Buffer.from(text, 'utf8');
}
