interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions<Item> {
  /** Items per call of `run` at most. */
  maxBatch: number;
  /** Calls of `run` in progress at once at most; further items wait and go out together. */
  maxInFlight: number;
  /** Returns a key that must be unique within one batch; an item whose key is taken waits for a later batch. */
  keyOf?: (item: Item) => string;
}

/**
 * Runs items in batches: an item submitted while fewer than `maxInFlight`
 * batches are running goes out at once, and items submitted while the limit
 * is reached wait and go out together when a batch finishes. So a single
 * request pays no extra latency, and N concurrent requests cost about
 * N / maxBatch calls, each one database round trip and commit.
 *
 * `run` settles each item: it returns one settled result per item, in the
 * order given, so one item can fail alone. When `run` itself rejects, every
 * item of that batch rejects with the same error.
 */
export class Batcher<Item, Result> {
  private readonly waiting: Pending<Item, Result>[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (items: Item[]) => Promise<PromiseSettledResult<Result>[]>,
    private readonly options: BatcherOptions<Item>,
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      this.runBatch(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
      });
    }
  }

  /** Takes up to `maxBatch` waiting items in order, leaving any whose key is already in the batch. */
  private takeBatch(): Pending<Item, Result>[] {
    const { keyOf, maxBatch } = this.options;
    if (keyOf === undefined) return this.waiting.splice(0, maxBatch);
    const batch: Pending<Item, Result>[] = [];
    const keys = new Set<string>();
    for (let index = 0; index < this.waiting.length && batch.length < maxBatch; ) {
      const pending = this.waiting[index] as Pending<Item, Result>;
      const key = keyOf(pending.item);
      if (keys.has(key)) {
        index += 1;
        continue;
      }
      keys.add(key);
      batch.push(pending);
      this.waiting.splice(index, 1);
    }
    return batch;
  }

  private async runBatch(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((pending) => pending.item));
      if (results.length !== batch.length) throw new Error(`Batch returned ${results.length} results for ${batch.length} items`);
      batch.forEach((pending, index) => {
        const result = results[index] as PromiseSettledResult<Result>;
        if (result.status === 'fulfilled') pending.resolve(result.value);
        else pending.reject(result.reason);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
