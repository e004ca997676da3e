import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalUtcMs, parseDate } from '../../src/mapping/dates';

describe('canonical UTC date-times (the hot path of DATETIME fields and cursors)', () => {
  test('every instant toISOString writes reads back as the same instant', () => {
    const samples = [0, -1, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(99, 0, 1) - 1, -62_135_596_800_000 /* 0001-01-01 */, 253_402_300_799_999 /* 9999-12-31 */];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor((i / 2000) * 253_402_300_799_999));
    for (const ms of samples) {
      const iso = new Date(ms).toISOString();
      assert.equal(canonicalUtcMs(iso), ms, iso);
      assert.equal(parseDate(iso), ms, iso);
    }
  });

  test('anything else is not canonical, and impossible dates are not dates at all', () => {
    for (const s of ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00.000+00:00', '2024-01-01 00:00:00.000Z', '2024-01-01T00:00:00.000z', '2024-1-01T00:00:00.000Z', ' 2024-01-01T00:00:00.00Z', '+02024-01-01T00:00:00.00Z']) {
      assert.equal(canonicalUtcMs(s), null, s);
    }
    for (const s of ['2023-02-29T10:00:00.000Z', '2024-04-31T10:00:00.000Z', '2024-13-01T00:00:00.000Z', '2024-00-10T00:00:00.000Z', '2024-01-00T00:00:00.000Z', '2024-01-01T24:00:00.000Z', '2024-01-01T23:60:00.000Z', '2024-01-01T23:00:60.000Z', '2024-01-01T2a:00:00.000Z', '2024-01-01T00:00:00.0a0Z']) {
      assert.equal(canonicalUtcMs(s), null, s);
    }
    // Not canonical, but still a date to the full parser.
    assert.equal(parseDate('2024-01-01T24:00:00.000Z'), Date.UTC(2024, 0, 2));
    assert.equal(parseDate('2024-01-01T00:00:00Z'), Date.UTC(2024, 0, 1));
  });
});
