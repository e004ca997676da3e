import type { AuthStrategy } from './types';

/** Public APIs: nothing to add, nothing to hide. */
export const noAuth: AuthStrategy<'NONE'> = () => ({
  apply() {},
  secrets: () => [],
});
