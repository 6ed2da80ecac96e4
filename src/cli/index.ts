#!/usr/bin/env node
import { Command } from 'commander';
import { createApiKey, createOrganisation } from '../admin/organisations.js';
import { ConfigError, loadDatabaseUrl } from '../config/config.js';
import { createDb, type Db } from '../db/knex.js';
import { migrateLatest } from '../db/migrate.js';
import { addStripeCommands } from './stripe-commands.js';
import { registerOperationCommands } from './operations.js';

async function withDb<T>(run: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb({ url: loadDatabaseUrl(), poolMax: 2, applicationName: 'eventhex-cli' });
  try {
    return await run(db);
  } finally {
    await db.destroy();
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const program = new Command()
  .name('eventhex')
  .description('EventHex integrations service: database migrations, organisations, API keys and Stripe webhook endpoints.\nReads DATABASE_URL.')
  .showHelpAfterError();

program
  .command('migrate')
  .description('apply pending database migrations (the release step)')
  .action(async () => {
    const applied = await withDb(migrateLatest);
    printJson({ applied });
  });

const org = program.command('org').description('manage organisations');
org
  .command('create')
  .description('create an organisation and print it as JSON')
  .requiredOption('--name <name>', 'organisation name')
  .action(async (options: { name: string }) => {
    printJson(await withDb((db) => createOrganisation(db, options.name)));
  });

const apiKey = program.command('api-key').description('manage API keys');
apiKey
  .command('create')
  .description('create an API key and print it as JSON; the key is shown only this once')
  .requiredOption('--org <id>', 'organisation id (org_...)')
  .option('--name <name>', 'a label for the key')
  .action(async (options: { org: string; name?: string }) => {
    printJson(await withDb((db) => createApiKey(db, options.org, options.name)));
  });

registerOperationCommands(program);

addStripeCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`eventhex: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
