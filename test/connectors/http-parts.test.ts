/** The small parsers and builders under the engine: URL joining, Link headers, Retry-After, backoff. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseLinkHeader } from '../../src/connectors/pagination/link';
import { joinUrl } from '../../src/connectors/request';
import { parseRetryAfter, retryDelay } from '../../src/connectors/retry';

describe('joinUrl', () => {
  const cases: Array<[string, string, string]> = [
    ['https://h/api', '/v1/x', 'https://h/api/v1/x'],
    ['https://h/api/', '/v1/x', 'https://h/api/v1/x'],
    ['https://h/api/', 'v1/x', 'https://h/api/v1/x'],
    ['https://h', '/v1/x', 'https://h/v1/x'],
    ['https://h/', '', 'https://h/'],
    ['https://h/api', '/v1/x?a=1&b=2', 'https://h/api/v1/x?a=1&b=2'],
    ['https://h/api?k=1', '/x', 'https://h/api/x?k=1'],
  ];
  for (const [base, path, want] of cases) test(`${base} + ${path}`, () => assert.equal(joinUrl(base, path).href, want));
});

describe('parseLinkHeader (RFC 8288)', () => {
  test('GitHub style, several links', () => {
    const links = parseLinkHeader(
      '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"',
    );
    assert.deepEqual(links.map((l) => [l.target, l.rel]), [
      ['https://api.github.com/repositories/1/issues?page=2', ['next']],
      ['https://api.github.com/repositories/1/issues?page=5', ['last']],
    ]);
  });

  test('commas and semicolons inside targets and quoted values, rel lists, case, unquoted values', () => {
    const links = parseLinkHeader(
      '</a?x=1,2;3>; title="a, b; \\"c\\""; REL="prev First", </b>;rel=NEXT ,</c>; rel="next"; rel="ignored"',
    );
    assert.equal(links.length, 3);
    assert.deepEqual(links[0], { target: '/a?x=1,2;3', rel: ['prev', 'first'], params: { title: 'a, b; "c"', rel: 'prev First' } });
    assert.deepEqual(links[1]!.rel, ['next']);
    assert.deepEqual(links[2]!.rel, ['next']);
  });

  test('garbage between links is skipped; empty header gives none', () => {
    assert.deepEqual(parseLinkHeader(''), []);
    const links = parseLinkHeader('junk "with, comma", <https://h/2>; rel="next"');
    assert.deepEqual(links.map((l) => l.target), ['https://h/2']);
  });
});

describe('Retry-After and backoff', () => {
  test('delta seconds and HTTP dates', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    assert.equal(parseRetryAfter('120'), 120_000);
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  test('full jitter under an exponential ceiling, Retry-After capped at maxDelayMs', () => {
    const policy = { maxRetries: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    for (let retry = 0; retry < 8; retry++) {
      for (let i = 0; i < 50; i++) {
        const d = retryDelay(retry, policy);
        assert.ok(d >= 0 && d < Math.min(1_000, 100 * 2 ** retry), `retry ${retry}: ${d}`);
      }
    }
    assert.equal(retryDelay(0, policy, 5_000), 1_000);
    assert.equal(retryDelay(3, policy, 200), 200);
  });
});
