import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { isUUID } from 'class-validator';

/** Prefix of every Geobatch API key: easy to spot in a leaked config and for secret scanners. */
export const API_KEY_PREFIX = 'gbk_';

/** A key is the prefix and 32 random bytes as base64url (43 characters). */
const KEY_SHAPE = /^gbk_[A-Za-z0-9_-]{43}$/;

/** The stored form of a key: lower-case hex SHA-256 of the whole key. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What a key is, without its secret. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  admin: boolean;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A new key: the only moment its plaintext exists outside the caller's hands. */
export interface IssuedApiKey extends ApiKeyInfo {
  key: string;
}

interface ApiKeyRow {
  id: string;
  name: string;
  admin: boolean;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, admin, created_at, revoked_at';

function infoOf(r: ApiKeyRow): ApiKeyInfo {
  return { id: r.id, name: r.name, admin: r.admin, createdAt: r.created_at, revokedAt: r.revoked_at };
}

/**
 * API keys (the `api_key` table, see ApiKeyEntity): issued, looked up by the key, listed and
 * revoked. Only their hashes are stored. Plain SQL, so any DataSource on the database will do
 * (the CLI's has only the geo entities).
 */
export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  /** Issues a key and answers it in plaintext; it cannot be read back later. */
  async create(options: { name: string; admin?: boolean }): Promise<IssuedApiKey> {
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const [row]: ApiKeyRow[] = await this.db.query(
      `INSERT INTO api_key (id, name, key_hash, admin) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [randomUUID(), options.name, hashApiKey(key), options.admin ?? false],
    );
    return { ...infoOf(row), key };
  }

  /** The key's record when it exists and is not revoked; null otherwise (also for text that cannot be a key). */
  async findByKey(key: string): Promise<ApiKeyInfo | null> {
    if (!KEY_SHAPE.test(key)) return null;
    const [row]: ApiKeyRow[] = await this.db.query(`SELECT ${COLUMNS} FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL`, [hashApiKey(key)]);
    return row ? infoOf(row) : null;
  }

  async findById(id: string): Promise<ApiKeyInfo | null> {
    if (!isUUID(id)) return null;
    const [row]: ApiKeyRow[] = await this.db.query(`SELECT ${COLUMNS} FROM api_key WHERE id = $1`, [id]);
    return row ? infoOf(row) : null;
  }

  /** Every key (revoked ones too, unless `includeRevoked` is false), oldest first. */
  async list(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    const rows: ApiKeyRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM api_key ${options.includeRevoked === false ? 'WHERE revoked_at IS NULL' : ''} ORDER BY created_at, id`,
    );
    return rows.map(infoOf);
  }

  /** True when an admin key that is not revoked exists (`npm run stack` issues one otherwise). */
  async hasActiveAdmin(): Promise<boolean> {
    const [row]: { found: boolean }[] = await this.db.query(`SELECT EXISTS (SELECT 1 FROM api_key WHERE admin AND revoked_at IS NULL) AS found`);
    return row.found;
  }

  /** Revokes a key; false when there is no such key or it was already revoked. */
  async revoke(id: string): Promise<boolean> {
    if (!isUUID(id)) return false;
    const [, affected]: [unknown[], number] = await this.db.query(`UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return affected > 0;
  }
}
