import Stripe from 'stripe';
import { ApiError } from '../api/api-error.js';
import { redactStripeKeys } from '../providers/stripe/api-key.js';

/** `Retry-After` sent with `stripe_rate_limited` when Stripe's 429 carries no usable value, seconds. */
const DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS = 10;

/** Returns true for the 404 Stripe sends for an object that does not exist (`resource_missing`). */
export function isStripeNotFound(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && error.statusCode === 404;
}

/** Fields of a Stripe error that are safe to log: no key, no request or response body. */
export function stripeErrorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Stripe.errors.StripeError)) return { error: error instanceof Error ? error.message : String(error) };
  return {
    stripeErrorType: error.type,
    statusCode: error.statusCode,
    stripeCode: error.code,
    stripeRequestId: error.requestId,
    error: redactStripeKeys(error.message),
  };
}

/**
 * Maps an error thrown by the Stripe SDK to the API error the API returns;
 * any other error is returned unchanged. Stripe's own message is passed on
 * only for invalid requests, with anything shaped like a key removed, and
 * no Stripe failure becomes a 500.
 */
export function toApiError(error: unknown, action: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const { errors } = Stripe;
  if (error instanceof errors.StripeAuthenticationError) {
    return new ApiError(400, 'stripe_authentication_failed', `Stripe rejected the API key while trying to ${action} (HTTP 401). Check that the key is current and copied whole.`);
  }
  if (error instanceof errors.StripePermissionError) {
    return new ApiError(
      400,
      'stripe_permission_denied',
      `The Stripe API key may not ${action} (HTTP 403). A restricted key needs write access to Webhook Endpoints.`,
    );
  }
  if (error instanceof errors.StripeRateLimitError) {
    const retryAfter = retryAfterSeconds(error.headers?.['retry-after']);
    return new ApiError(503, 'stripe_rate_limited', `Stripe rate-limited the request to ${action}. Retry after ${retryAfter} s.`, {
      'Retry-After': String(retryAfter),
    });
  }
  if (error instanceof errors.StripeConnectionError || error instanceof errors.StripeAPIError) {
    return new ApiError(502, 'stripe_unavailable', `Could not ${action}: the Stripe API did not respond or failed (${redactStripeKeys(error.message)}). Retry later.`);
  }
  if (error instanceof errors.StripeInvalidRequestError) {
    return new ApiError(400, 'stripe_invalid_request', `Stripe rejected the request to ${action}: ${redactStripeKeys(error.message)}`);
  }
  return new ApiError(502, 'stripe_request_failed', `Stripe returned an unexpected error while trying to ${action} (HTTP ${error.statusCode ?? 'none'}).`);
}

function retryAfterSeconds(header: string | undefined): number {
  const seconds = Number(header);
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600 ? seconds : DEFAULT_RATE_LIMIT_RETRY_AFTER_SECONDS;
}
