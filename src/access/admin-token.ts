import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { settings } from '../db/schema';
import type { Db } from '../db/client';

const SETTING = 'admin_token_sha256';

export interface AdminToken {
  /** Whether an `Authorization` header value (or connection_init's) carries the admin token. */
  verify(authorization: unknown): boolean;
  /** Set only when this start generated the token: shown once, then forgotten. */
  generated: string | null;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * TRIBUTARY_ADMIN_TOKEN when set. Otherwise the gateway generates one at first
 * start and keeps only its SHA-256 in the database, so every instance on the
 * same database accepts it and nothing readable is stored. Comparison is in
 * constant time over fixed-length digests.
 */
export async function loadAdminToken(db: Db, configured: string | null): Promise<AdminToken> {
  let generated: string | null = null;
  let digest: Buffer;
  if (configured) digest = sha256(configured);
  else {
    const candidate = randomBytes(24).toString('base64url');
    const inserted = await db
      .insert(settings)
      .values({ key: SETTING, value: sha256(candidate).toString('hex') })
      .onConflictDoNothing()
      .returning();
    if (inserted.length) generated = candidate;
    const [row] = await db.select().from(settings).where(eq(settings.key, SETTING));
    digest = Buffer.from(row!.value, 'hex');
  }
  return {
    generated,
    verify(authorization) {
      if (typeof authorization !== 'string') return false;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      return match ? timingSafeEqual(sha256(match[1]!), digest) : false;
    },
  };
}
