import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Demo ids and secrets seeded by `npm run dev`, saved under `.data/` for restarts and `npm run demo`. Development values only. */
export interface DemoState {
  baseUrl: string;
  organisationId: string;
  apiKey: string;
  stripeConnectionId: string;
  stripeWebhookSecret: string;
  eventId: string;
  razorpayEventId: string;
  razorpayWebhookSecret: string;
  registrationIds: string[];
}

export const DATA_DIR = path.resolve(process.cwd(), '.data');
const STATE_FILE = path.join(DATA_DIR, 'demo.json');

export async function readDemoState(): Promise<DemoState | undefined> {
  try {
    return JSON.parse(await readFile(STATE_FILE, 'utf8')) as DemoState;
  } catch {
    return undefined;
  }
}

export async function writeDemoState(state: DemoState): Promise<void> {
  await writeFile(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
