import type Stripe from 'stripe';
import { ApiError } from '../api/api-error.js';
import type { StripeEndpointSettings } from '../config/config.js';
import { newId } from '../crypto/ids.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/knex.js';
import type { Logger } from '../logger.js';
import { livemodeOfKey } from '../providers/stripe/api-key.js';
import { createStripeClient } from '../providers/stripe/client.js';
import { STRIPE_ROUTES } from '../queues/routing.js';
import { findConnection, presentConnection, stripeWebhookUrl, type ConnectionRow } from './connections.js';
import { isStripeNotFound, stripeErrorFields, toApiError } from './stripe-errors.js';

/** Collaborators of endpoint management; the API and the CLI build them from their own configuration. */
export interface EndpointManagerDeps {
  db: Db;
  box: SecretBox;
  publicBaseUrl: string;
  settings: StripeEndpointSettings;
  logger: Logger;
}

/** The endpoint as Stripe returned it, without its signing secret. */
export interface EndpointSummary {
  id: string;
  status: string;
  url: string;
  enabled_events: string[];
}

/** Outcome for the endpoint that a recreate replaced. After `delete_failed` it stays in Stripe and keeps sending, signed with a secret that expires. */
export type PreviousEndpointOutcome = 'deleted' | 'already_missing' | 'delete_failed';

/** Result of creating or recreating a connection's endpoint. */
export interface EndpointChange {
  connection: ReturnType<typeof presentConnection>;
  endpoint: EndpointSummary;
  previousEndpoint: { id: string; outcome: PreviousEndpointOutcome } | null;
}

/** Builds the response of a create or recreate, as the API returns it and the CLI prints it with `--json`. */
export function presentEndpointChange(change: EndpointChange) {
  return {
    ...change.connection,
    stripe_webhook_endpoint: change.endpoint,
    ...(change.previousEndpoint === null ? {} : { previous_stripe_webhook_endpoint: change.previousEndpoint }),
  };
}

/** Returns the Stripe event types a created endpoint subscribes to, which are exactly those the workers handle. */
export function stripeEventTypes(): string[] {
  return Object.keys(STRIPE_ROUTES);
}

/**
 * Creates a Stripe payment connection from an organiser's API key and the
 * webhook endpoint for it. The row is inserted first, because the endpoint
 * URL contains its id, and deleted again when Stripe fails, so a failed
 * request leaves nothing behind.
 */
export async function connectStripeWithKey(
  deps: EndpointManagerDeps,
  request: { organisationId: string; apiKey: string; livemode?: boolean | undefined },
): Promise<EndpointChange> {
  checkKeyMode(request.apiKey, request.livemode);
  const [row] = await deps.db('payment_connections')
    .insert({
      id: newId('pc'),
      organisation_id: request.organisationId,
      provider: 'stripe',
      webhook_secrets: deps.box.sealList([]),
      livemode: request.livemode ?? livemodeOfKey(request.apiKey),
      stripe_api_key: deps.box.seal(request.apiKey),
    })
    .returning<ConnectionRow[]>('*');
  if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');

  try {
    return await installEndpoint(deps, row, request.apiKey, { expectLivemode: request.livemode });
  } catch (error) {
    await deps.db('payment_connections')
      .where({ id: row.id })
      .del()
      .catch((deleteError: unknown) => {
        deps.logger.error('Payment connection left without a webhook endpoint. Run `eventhex stripe endpoint create` for it', {
          connectionId: row.id,
          error: deleteError instanceof Error ? deleteError.message : String(deleteError),
        });
      });
    throw error;
  }
}

/**
 * Creates the webhook endpoint of a connection that has none yet: one whose
 * creation stopped half-way, or one set up with webhook secrets, which then
 * needs `apiKey` (the CLI passes `STRIPE_API_KEY`). The stored key wins over
 * `apiKey`.
 */
export async function createEndpoint(deps: EndpointManagerDeps, connectionId: string, options: { organisationId?: string; apiKey?: string | undefined } = {}): Promise<EndpointChange> {
  const row = await findConnection(deps.db, connectionId, options.organisationId);
  if (row.stripe_webhook_endpoint_id !== null) {
    throw new ApiError(
      409,
      'stripe_webhook_endpoint_exists',
      `Payment connection ${row.id} already has Stripe webhook endpoint ${row.stripe_webhook_endpoint_id}. Recreate it instead.`,
    );
  }
  const apiKey = row.stripe_api_key === null ? options.apiKey : deps.box.open(row.stripe_api_key);
  if (apiKey === undefined) throw missingKey(row.id, "set STRIPE_API_KEY to the organiser's secret or restricted key");
  // Secrets already stored belong to an endpoint in the connection's mode, so the new endpoint must match it.
  const hasSecrets = deps.box.openList(row.webhook_secrets).length > 0;
  const expectLivemode = hasSecrets ? row.livemode : undefined;
  checkKeyMode(apiKey, expectLivemode);
  return installEndpoint(deps, row, apiKey, { expectLivemode });
}

/**
 * Replaces a connection's endpoint with a new one and a new signing secret.
 * The new endpoint is created first and the old one deleted last, so no
 * event goes undelivered in between. Events sent to both endpoints are
 * de-duplicated on their Stripe event id. The old secrets stay accepted
 * for `secretOverlapSeconds`.
 */
export async function recreateEndpoint(deps: EndpointManagerDeps, connectionId: string, options: { organisationId?: string } = {}): Promise<EndpointChange> {
  const row = await findConnection(deps.db, connectionId, options.organisationId);
  if (row.stripe_api_key === null) throw missingKey(row.id, 'connect Stripe with api_key, or run `eventhex stripe endpoint create` with STRIPE_API_KEY set');
  return installEndpoint(deps, row, deps.box.open(row.stripe_api_key), { expectLivemode: row.livemode });
}

function missingKey(connectionId: string, fix: string): ApiError {
  return new ApiError(409, 'stripe_api_key_missing', `Payment connection ${connectionId} has no Stripe API key, so its webhook endpoint cannot be managed here. To add one, ${fix}.`);
}

/** Rejects a key whose prefix names the other mode before any call to Stripe. */
function checkKeyMode(apiKey: string, expectLivemode: boolean | undefined): void {
  if (expectLivemode === undefined || livemodeOfKey(apiKey) === expectLivemode) return;
  throw new ApiError(400, 'livemode_mismatch', `The API key is a ${modeName(livemodeOfKey(apiKey))} key but the connection is in ${modeName(expectLivemode)}.`);
}

function modeName(livemode: boolean): string {
  return livemode ? 'live mode' : 'test mode';
}

/**
 * Creates an endpoint, makes its secret the connection's current one and
 * deletes the endpoint it replaces. The row is updated only if its endpoint
 * id is still the one read before, so two concurrent changes cannot both win.
 */
async function installEndpoint(deps: EndpointManagerDeps, row: ConnectionRow, apiKey: string, options: { expectLivemode: boolean | undefined }): Promise<EndpointChange> {
  const client = createStripeClient(apiKey, deps.settings.api);
  const created = await createStripeEndpoint(deps, client, row.id);

  let updated: ConnectionRow;
  try {
    if (options.expectLivemode !== undefined && created.livemode !== options.expectLivemode) {
      throw new ApiError(400, 'livemode_mismatch', `Stripe created the endpoint in ${modeName(created.livemode)} but the connection is in ${modeName(options.expectLivemode)}.`);
    }
    updated = await storeEndpoint(deps, row, apiKey, created);
  } catch (error) {
    await discardEndpoint(deps, client, row.id, created.id);
    throw error;
  }

  const previousId = row.stripe_webhook_endpoint_id;
  const previousEndpoint = previousId === null ? null : { id: previousId, outcome: await deleteStripeEndpoint(deps, client, row.id, previousId) };
  deps.logger.info('Stripe webhook endpoint installed', {
    connectionId: row.id,
    endpointId: created.id,
    livemode: created.livemode,
    previousEndpointId: previousId ?? undefined,
    previousEndpointOutcome: previousEndpoint?.outcome,
  });
  return {
    connection: presentConnection(updated, deps.publicBaseUrl),
    endpoint: { id: created.id, status: created.status, url: created.url, enabled_events: created.enabled_events },
    previousEndpoint,
  };
}

/** Calls `webhookEndpoints.create`; the signing secret comes back only in this response. */
async function createStripeEndpoint(deps: EndpointManagerDeps, client: Stripe, connectionId: string): Promise<Stripe.WebhookEndpoint & { secret: string }> {
  let created: Stripe.WebhookEndpoint;
  try {
    created = await client.webhookEndpoints.create({
      url: stripeWebhookUrl(deps.publicBaseUrl, connectionId),
      enabled_events: stripeEventTypes() as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      description: `EventHex payment connection ${connectionId}`,
      metadata: { eventhex_connection_id: connectionId },
    });
  } catch (error) {
    deps.logger.warn('Stripe webhook endpoint not created', { connectionId, ...stripeErrorFields(error) });
    throw toApiError(error, 'create a webhook endpoint');
  }
  const { secret } = created;
  if (typeof secret !== 'string' || secret === '') {
    await discardEndpoint(deps, client, connectionId, created.id);
    throw new ApiError(502, 'stripe_request_failed', `Stripe created webhook endpoint ${created.id} without returning its signing secret. It was deleted again. Retry.`);
  }
  return { ...created, secret };
}

/**
 * Writes the new endpoint and secret. The secrets that were current move to
 * `previous_webhook_secrets` until the overlap ends, replacing older previous secrets.
 */
async function storeEndpoint(deps: EndpointManagerDeps, row: ConnectionRow, apiKey: string, created: Stripe.WebhookEndpoint & { secret: string }): Promise<ConnectionRow> {
  const { db, box } = deps;
  const overlapSeconds = deps.settings.secretOverlapSeconds;
  const replacedSecrets = box.openList(row.webhook_secrets);
  const keepPrevious = replacedSecrets.length > 0 && overlapSeconds > 0;
  const [updated] = await db('payment_connections')
    .where({ id: row.id })
    .modify((builder) => {
      if (row.stripe_webhook_endpoint_id === null) builder.whereNull('stripe_webhook_endpoint_id');
      else builder.where({ stripe_webhook_endpoint_id: row.stripe_webhook_endpoint_id });
    })
    .update({
      webhook_secrets: box.sealList([created.secret]),
      stripe_webhook_endpoint_id: created.id,
      stripe_api_key: box.seal(apiKey),
      livemode: created.livemode,
      previous_webhook_secrets: keepPrevious ? box.sealList(replacedSecrets) : null,
      previous_secrets_expire_at: keepPrevious ? db.raw('now() + make_interval(secs => ?)', [overlapSeconds]) : null,
      updated_at: db.fn.now(),
    })
    .returning<ConnectionRow[]>('*');
  if (updated === undefined) {
    throw new ApiError(409, 'conflict', `Payment connection ${row.id} changed its Stripe webhook endpoint during this request. Read it again and retry.`);
  }
  return updated;
}

async function deleteStripeEndpoint(deps: EndpointManagerDeps, client: Stripe, connectionId: string, endpointId: string): Promise<PreviousEndpointOutcome> {
  try {
    await client.webhookEndpoints.del(endpointId);
    return 'deleted';
  } catch (error) {
    if (isStripeNotFound(error)) return 'already_missing';
    deps.logger.warn('Replaced Stripe webhook endpoint not deleted; delete it in the Stripe Dashboard', { connectionId, endpointId, ...stripeErrorFields(error) });
    return 'delete_failed';
  }
}

/** Deletes an endpoint created by a request that then failed, so it does not stay in the organiser's account. */
async function discardEndpoint(deps: EndpointManagerDeps, client: Stripe, connectionId: string, endpointId: string): Promise<void> {
  try {
    await client.webhookEndpoints.del(endpointId);
  } catch (error) {
    deps.logger.error('Unused Stripe webhook endpoint not deleted; delete it in the Stripe Dashboard', { connectionId, endpointId, ...stripeErrorFields(error) });
  }
}
