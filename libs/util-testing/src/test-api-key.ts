import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';

/** Prefix of every Geobatch API key: easy to spot in a leaked config and for secret scanners. */
export const API_KEY_PREFIX = 'gbk_';

/**
 * Issues an API key straight into the `api_key` table, for tests that call the gateway. Stored
 * as the service stores keys: only the SHA-256 of the key, never the key.
 */
export async function issueTestApiKey(
  databaseUrl: string,
  options: { admin?: boolean; name?: string } = {},
): Promise<{ key: string; keyId: string }> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const keyId = randomUUID();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('INSERT INTO api_key (id, name, key_hash, admin) VALUES ($1, $2, $3, $4)', [
      keyId,
      options.name ?? `test-${keyId.slice(0, 8)}`,
      createHash('sha256').update(key).digest('hex'),
      options.admin ?? false,
    ]);
  } finally {
    await db.end();
  }
  return { key, keyId };
}
