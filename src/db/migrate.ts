import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './knex.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Loads the compiled migrations from `dist/migrations`, in file-name order. */
class CompiledMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    const files = await readdir(MIGRATIONS_DIR);
    return files.filter((file) => /^\d+_.+\.js$/.test(file)).sort();
  }

  getMigrationName(migration: string): string {
    return migration.replace(/\.js$/, '');
  }

  async getMigration(migration: string): Promise<Migration> {
    return (await import(path.join(MIGRATIONS_DIR, migration))) as Migration;
  }
}

/** Applies every pending migration; a failure rejects, so a release stops before the new code serves. */
export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: new CompiledMigrationSource() })) as [number, string[]];
  return applied;
}

/** Lists migrations not yet applied, for readiness checks. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const [, pending] = (await db.migrate.list({ migrationSource: new CompiledMigrationSource() })) as [unknown, { file: string }[]];
  return pending.map((entry) => entry.file);
}
