import { NotFoundError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The API speaks Relay global ids (`base64("Source:<uuid>")`); raw uuids are
 * accepted too, for scripts. Anything else cannot exist, so it is NOT_FOUND,
 * never a database error.
 */
export function decodeId(kind: string, id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  const local = decoded.slice(sep + 1);
  if (sep > 0 && decoded.slice(0, sep) === kind && UUID.test(local)) return local.toLowerCase();
  throw new NotFoundError(kind, id);
}

export function encodeId(kind: string, id: string | number): string {
  return Buffer.from(`${kind}:${id}`, 'utf8').toString('base64');
}
