import type { AuthStrategy } from './types';

/** A static key in a header (X-Api-Key: k) or a query parameter (?hapikey=k). */
export const apiKeyAuth: AuthStrategy<'API_KEY'> = ({ location, name, key }) => {
  const secrets = () => [key];
  if (location === 'QUERY') {
    return {
      queryParam: name,
      // set, not append: a next URL from the API may already echo the key.
      apply: (req) => req.url.searchParams.set(name, key),
      secrets,
    };
  }
  const header = name.toLowerCase();
  return {
    apply: (req) => {
      req.headers[header] = key;
    },
    secrets,
  };
};
