import type { AuthStrategy } from './types';

/**
 * RFC 7617: base64 of "user:password" in UTF-8 (the charset="UTF-8" the RFC
 * lets servers announce), so any character may appear in the password. A
 * colon in the username cannot be expressed and is refused by the admin API.
 */
export const basicAuth: AuthStrategy<'BASIC'> = ({ username, password }) => {
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  const value = `Basic ${encoded}`;
  return {
    apply: (req) => {
      req.headers.authorization = value;
    },
    secrets: () => [encoded, password],
  };
};
