import { generateApiKey } from '../crypto/api-keys.js';
import { isPublicId, newId } from '../crypto/ids.js';
import type { Db } from '../db/knex.js';

/** Creates an organisation. */
export async function createOrganisation(db: Db, name: string): Promise<{ id: string; name: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new Error('Organisation name must be 1 to 200 characters');
  const organisation = { id: newId('org'), name: trimmed };
  await db('organisations').insert(organisation);
  return organisation;
}

/** Creates an API key for an organisation; the key is returned once and only its hash is stored. */
export async function createApiKey(db: Db, organisationId: string, name?: string): Promise<{ id: string; organisation_id: string; key: string; display_prefix: string }> {
  const organisation = isPublicId(organisationId, 'org') ? await db('organisations').where({ id: organisationId }).first('id') : undefined;
  if (organisation === undefined) throw new Error(`Organisation ${organisationId} not found`);
  const { key, hash, displayPrefix } = generateApiKey();
  const id = newId('key');
  await db('api_keys').insert({ id, organisation_id: organisationId, key_hash: hash, display_prefix: displayPrefix, name: name ?? null });
  return { id, organisation_id: organisationId, key, display_prefix: displayPrefix };
}
