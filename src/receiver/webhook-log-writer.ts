import { isDatabaseUnavailable, type Db } from '../db/knex.js';
import { Batcher } from './batcher.js';
import { deliveryKey, markQueued, recordDeliveries, recordDelivery, type DeliveryRecord, type VerifiedDelivery } from './webhook-log.js';

/**
 * Batch limits. At most 4 + 2 statements of the receiver run at once, below
 * the default pool of 10 connections, so the API keeps connections too.
 */
const INSERT_BATCH = { maxBatch: 100, maxInFlight: 4 };
const MARK_QUEUED_BATCH = { maxBatch: 500, maxInFlight: 2 };

const fulfilled = <T>(value: T): PromiseSettledResult<T> => ({ status: 'fulfilled', value });

/**
 * Writes the webhook log for the receiver, batching concurrent requests: the
 * deliveries stored while an INSERT is in flight go out together in the next
 * one, and so do the `queued` marks. Each request still waits for its own
 * row to be committed before it gets its response.
 */
export class WebhookLogWriter {
  private readonly inserts: Batcher<VerifiedDelivery, DeliveryRecord>;
  private readonly marks: Batcher<number, undefined>;

  constructor(private readonly db: Db) {
    this.inserts = new Batcher((deliveries) => this.insert(deliveries), { ...INSERT_BATCH, keyOf: deliveryKey });
    this.marks = new Batcher(async (ids) => {
      await markQueued(db, ids);
      return ids.map(() => fulfilled<undefined>(undefined));
    }, MARK_QUEUED_BATCH);
  }

  /** Stores a verified delivery, or counts a repeat of one; see {@link recordDelivery}. */
  record(delivery: VerifiedDelivery): Promise<DeliveryRecord> {
    return this.inserts.submit(delivery);
  }

  /** Moves a row from `received` to `queued`; see {@link markQueued}. */
  markQueued(id: number): Promise<undefined> {
    return this.marks.submit(id);
  }

  /**
   * Inserts a batch in one statement. When that fails for a reason other
   * than an unavailable database, such as a row that breaks a constraint,
   * each delivery is inserted alone, so only its own request fails.
   */
  private async insert(deliveries: VerifiedDelivery[]): Promise<PromiseSettledResult<DeliveryRecord>[]> {
    try {
      return (await recordDeliveries(this.db, deliveries)).map(fulfilled);
    } catch (error) {
      if (deliveries.length === 1 || isDatabaseUnavailable(error)) throw error;
      return Promise.allSettled(deliveries.map((delivery) => recordDelivery(this.db, delivery)));
    }
  }
}
