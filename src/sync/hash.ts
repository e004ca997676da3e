/**
 * Content hashes of mapped records. Equal hash means unchanged: the record is
 * not written, its version does not move and no event goes out. The hash is
 * taken over canonical JSON (mapping/canonical-json.ts: object keys sorted)
 * so that an API that sends the same record with its keys in another order
 * does not look changed.
 */
import { hash } from 'node:crypto';

/** 32 hex characters; md5 is plenty for telling versions of one record apart. One-shot crypto.hash: no Hash object per record. */
export function contentHash(canonical: string): string {
  return hash('md5', canonical, 'hex');
}
