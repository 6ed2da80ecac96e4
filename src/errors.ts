/**
 * Base of the service's errors. `code` is machine-readable and stable, and
 * `retryable` is true when another attempt can succeed.
 */
export abstract class EventHexError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  override get name(): string {
    return this.constructor.name;
  }
}

/** Thrown when a stored event lacks a field the service relies on; retrying cannot fix it. */
export class MalformedEventError extends EventHexError {
  readonly code = 'malformed_event';
  readonly retryable = false;
}

/** Thrown when a payment event names no registration this organisation owns; the job waits, then fails. */
export class RegistrationNotFoundError extends EventHexError {
  readonly code = 'registration_not_found';
  readonly retryable = true;
  constructor(readonly providerPaymentId: string, readonly registrationId: string | undefined) {
    super(
      `No registration found for payment ${providerPaymentId}` +
        (registrationId ? ` (registration_id ${registrationId} does not exist in this organisation)` : ' (the event carries no registration_id and no known payment or order id)'),
    );
  }
}

/** Thrown when a refund arrives before its payment; the job waits and retries. */
export class PaymentNotYetKnownError extends EventHexError {
  readonly code = 'payment_not_yet_known';
  readonly retryable = true;
  constructor(readonly providerPaymentId: string) {
    super(`Payment ${providerPaymentId} is not known yet; the refund waits for it`);
  }
}

/**
 * Thrown when a provider payment or refund id is already recorded under
 * another registration or payment, which may belong to another organisation.
 * Applying the event there would change rows the delivery does not own.
 */
export class ProviderIdConflictError extends EventHexError {
  readonly code = 'provider_id_conflict';
  readonly retryable = false;
}

/** Thrown for a webhook log row that no longer exists or cannot be processed. */
export class WebhookEventNotFoundError extends EventHexError {
  readonly code = 'webhook_event_not_found';
  readonly retryable = false;
}
