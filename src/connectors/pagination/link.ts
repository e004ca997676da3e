/**
 * RFC 8288 §3 Link header parsing: several link-values separated by commas,
 * each `<target>` followed by `; name=value` parameters, where a value may be
 * a token or a quoted-string (which can itself hold commas, semicolons and
 * backslash escapes). `rel` may list several relation types separated by
 * spaces; relation types compare case-insensitively. A comma inside <...> or
 * inside quotes does not split links, which a naive split(',') gets wrong.
 */

export interface Link {
  /** As written, unresolved. */
  target: string;
  /** Lower-cased relation types. */
  rel: string[];
  params: Record<string, string>;
}

export function parseLinkHeader(header: string): Link[] {
  const links: Link[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => {
    while (i < n && /[\s]/.test(header[i]!)) i++;
  };

  while (i < n) {
    skipSpace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (header[i] !== '<') {
      // Not a link-value: skip to the next comma outside quotes and go on.
      i = skipPast(header, i);
      continue;
    }
    const end = header.indexOf('>', i + 1);
    if (end < 0) break;
    const target = header.slice(i + 1, end).trim();
    i = end + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (header[i] !== ';') break;
      i++;
      skipSpace();
      const nameStart = i;
      while (i < n && !/[\s=;,]/.test(header[i]!)) i++;
      const name = header.slice(nameStart, i).toLowerCase();
      skipSpace();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\' && i + 1 < n) i++;
            value += header[i++];
          }
          i++; // closing quote
        } else {
          const valueStart = i;
          while (i < n && !/[\s;,]/.test(header[i]!)) i++;
          value = header.slice(valueStart, i);
        }
      }
      // §3: occurrences of rel after the first are ignored.
      if (name && !(name in params)) params[name] = value;
    }
    const rel = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ target, rel, params });
  }
  return links;
}

function skipPast(header: string, from: number): number {
  let quoted = false;
  for (let i = from; i < header.length; i++) {
    const c = header[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) return i + 1;
  }
  return header.length;
}
