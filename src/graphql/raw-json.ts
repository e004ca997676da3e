import { randomBytes } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

/**
 * A JSON value kept as the text PostgreSQL sent, so a page of records is not
 * parsed into objects only to be serialized again. Records queries read
 * `data::text` and the `data` field hands the JSON scalar a RawJson; an HTTP response (JSON or
 * SSE) splices the text into its body as it is (`stringifyResult`). Every
 * other serializer (graphql-ws's, a plain JSON.stringify) calls toJSON and
 * gets the parsed value, so a RawJson is never wrong, only slower there.
 *
 * On a `records(first: 100)` page, pg's JSON.parse of every row's data and
 * yoga's JSON.stringify of it were a fifth of the gateway's CPU.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    if (spliced) {
      spliced.push(this.text);
      return `${MARK}${spliced.length - 1}`;
    }
    return JSON.parse(this.text);
  }
}

/** Texts met by the JSON.stringify running now (it is synchronous, so one at a time). */
let spliced: string[] | null = null;
/**
 * Where a RawJson's text goes, as JSON.stringify writes the placeholder
 * string: NUL (which PostgreSQL text and jsonb cannot hold) and a random
 * per-process tag, so no value a response carries can look like one.
 */
const TAG = randomBytes(8).toString('hex');
const MARK = `\u0000${TAG}:`;
/** The placeholder as it comes out of JSON.stringify: quoted, NUL escaped as \u0000. */
const PLACEHOLDER = new RegExp(`"\\\\u0000${TAG}:(\\d+)"`, 'g');

/** JSON.stringify, with every RawJson's text put in as it is. */
export function stringifyResult(value: unknown): string {
  const texts: string[] = [];
  spliced = texts;
  let json: string;
  try {
    json = JSON.stringify(value);
  } finally {
    spliced = null;
  }
  if (texts.length === 0) return json;
  return json.replace(PLACEHOLDER, (_, i: string) => texts[Number(i)]!);
}

/** Yoga serializes a result with its `stringify` when it has one. */
export function rawJsonResponses(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in result)) setResult({ ...result, stringify: stringifyResult } as typeof result);
        },
      };
    },
  };
}
