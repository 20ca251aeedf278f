import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An API key as stored: its SHA-256, never the key itself. */
@Entity({ name: 'api_key' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Who or what the key is for, e.g. `ops-team` or `nightly-import`. */
  @Column('text')
  name!: string;

  /** Lower-case hex SHA-256 of the whole key (`gbk_…`). */
  @Column('text', { name: 'key_hash', unique: true })
  keyHash!: string;

  /** Admin keys may change shared state (datasets); they still see only their own jobs. */
  @Column('boolean', { default: false })
  admin!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Set when the key was revoked; a revoked key authenticates nothing. */
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
