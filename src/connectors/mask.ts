/**
 * Credentials never leave the engine in a message, a page URL or a preview:
 * every occurrence of a secret value, raw or URL-encoded, becomes "***".
 */
export const MASK = '***';

export type Masker = (text: string) => string;

/** `secrets` is read on every call, so tokens issued later are masked too. */
export function createMasker(secrets: () => string[]): Masker {
  return (text) => {
    let out = text;
    for (const secret of secrets()) {
      if (!secret) continue;
      for (const form of new Set([secret, encodeURIComponent(secret), formEncode(secret)])) {
        if (out.includes(form)) out = out.split(form).join(MASK);
      }
    }
    return out;
  };
}

/**
 * Header names that carry credentials by convention. Source headers are not
 * marked secret in the config, yet people put tokens in them: a header with
 * such a name is masked whole (its auth scheme kept) wherever it is reported.
 */
const SENSITIVE_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|signature/i;
const AUTH_SCHEME = /^(?:basic|bearer|token|digest|apikey)\s+/i;

/** Headers as they would be reported: secrets and credential-named headers masked. */
export function maskHeaders(headers: Record<string, string>, mask: Masker): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SENSITIVE_HEADER.test(name) ? `${AUTH_SCHEME.exec(value)?.[0] ?? ''}${MASK}` : mask(value);
  }
  return out;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
