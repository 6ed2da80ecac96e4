import type { Command } from 'commander';
import { ApiError } from '../api/api-error.js';
import { loadStripeCommandConfig } from '../config/config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { createDb } from '../db/knex.js';
import { createLogger } from '../logger.js';
import type { EndpointChange, EndpointManagerDeps } from '../stripe-endpoints/manage.js';

/** Loads endpoint management, and with it the Stripe SDK, only when a Stripe command runs, so `migrate` starts without it. */
const loadManager = () => import('../stripe-endpoints/manage.js');

/** Builds endpoint management from the environment, runs `action`, then closes the database pool. */
async function withEndpointManager<T>(action: (deps: EndpointManagerDeps, apiKeyFromEnv: string | undefined) => Promise<T>): Promise<T> {
  const config = loadStripeCommandConfig();
  // Warnings and errors go to stderr, so stdout holds only the command's output.
  const logger = createLogger({ env: 'development', level: 'warn' });
  const db = createDb({ url: config.databaseUrl, poolMax: 2, applicationName: 'eventhex-cli', logger });
  try {
    const deps = { db, box: new SecretBox(config.encryptionKey), publicBaseUrl: config.publicBaseUrl, settings: config.endpoints, logger };
    return await action(deps, config.apiKeyFromEnv);
  } catch (error) {
    // The API error code names the failure for scripts, as it does in API responses.
    if (error instanceof ApiError) throw new Error(`${error.code}: ${error.message}`);
    throw error;
  } finally {
    await db.destroy();
  }
}

function describeChange(verb: string, change: EndpointChange): string {
  const { endpoint, previousEndpoint, connection } = change;
  const mode = connection.livemode ? 'live mode' : 'test mode';
  const lines = [`${verb} Stripe webhook endpoint ${endpoint.id} (${endpoint.status}, ${mode}, ${endpoint.enabled_events.length} event types) for payment connection ${connection.id}: ${endpoint.url}`];
  if (previousEndpoint !== null) {
    const outcome = {
      deleted: 'was deleted',
      already_missing: 'no longer existed in Stripe',
      delete_failed: 'could not be deleted; delete it in the Stripe Dashboard',
    }[previousEndpoint.outcome];
    lines.push(`Previous endpoint ${previousEndpoint.id} ${outcome}.`);
  }
  if (connection.previous_secrets_expire_at !== null) {
    lines.push(`The previous signing secrets are accepted until ${connection.previous_secrets_expire_at.toISOString()}.`);
  }
  return lines.join('\n');
}

async function print(verb: string, change: EndpointChange, json: boolean | undefined): Promise<void> {
  const { presentEndpointChange } = await loadManager();
  process.stdout.write(json === true ? `${JSON.stringify(presentEndpointChange(change), null, 2)}\n` : `${describeChange(verb, change)}\n`);
}

/** Adds `stripe endpoint create|recreate <connectionId>`, which call Stripe with the connection's stored API key. */
export function addStripeCommands(program: Command): void {
  const endpoint = program
    .command('stripe')
    .description('manage Stripe resources of payment connections')
    .command('endpoint')
    .description('manage the webhook endpoint in the organiser\'s Stripe account.\nReads DATABASE_URL, ENCRYPTION_KEY, PUBLIC_BASE_URL and the STRIPE_API_* variables.');

  endpoint
    .command('create <connectionId>')
    .description(
      'create the webhook endpoint of a connection that has none. Uses the stored API key, or STRIPE_API_KEY when the connection has none (then stored encrypted).',
    )
    .option('--json', 'print the connection and endpoint as JSON')
    .action(async (connectionId: string, options: { json?: boolean }) => {
      const { createEndpoint } = await loadManager();
      const change = await withEndpointManager((deps, apiKeyFromEnv) => createEndpoint(deps, connectionId, { apiKey: apiKeyFromEnv }));
      await print('Created', change, options.json);
    });

  endpoint
    .command('recreate <connectionId>')
    .description('replace the webhook endpoint and its signing secret. The old secret stays accepted for STRIPE_SECRET_OVERLAP_SECONDS.')
    .option('--json', 'print the connection and endpoint as JSON')
    .action(async (connectionId: string, options: { json?: boolean }) => {
      const { recreateEndpoint } = await loadManager();
      const change = await withEndpointManager((deps) => recreateEndpoint(deps, connectionId));
      await print('Recreated', change, options.json);
    });
}
