import type { AuthStrategy } from './types';

/** RFC 6750 §2.1: a static token in the Authorization header. */
export const bearerAuth: AuthStrategy<'BEARER'> = ({ token }) => {
  const value = `Bearer ${token}`;
  return {
    apply: (req) => {
      req.headers.authorization = value;
    },
    secrets: () => [token],
  };
};
