import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DATE_CHARS, parseRowDate, rowDateText } from './row-date';

function dateOf(value: Parameters<typeof parseRowDate>[0]): string | null {
  const parsed = parseRowDate(value);
  return parsed.ok ? parsed.date : null;
}

describe('parseRowDate', () => {
  it('reads ISO-like dates with -, . or / and one- or two-digit months and days', () => {
    const cases: [string, string][] = [
      ['2024-04-22', '2024-04-22'],
      ['2024.04.22', '2024-04-22'],
      ['2024/04/22', '2024-04-22'],
      ['2024-4-2', '2024-04-02'],
      ['2024.4.22.', '2024-04-22'],
      ['  2024-04-22  ', '2024-04-22'],
      ['2020-01-01', '2020-01-01'],
      ['2024-12-31', '2024-12-31'],
    ];
    for (const [text, want] of cases) assert.equal(dateOf(text), want, text);
  });

  it('reads a time after a space or T, and ignores it', () => {
    const cases: [string, string][] = [
      ['2024-04-22 10:43', '2024-04-22'],
      ['2024-04-22 10:43:00', '2024-04-22'],
      ['2024-04-22T23:59:59', '2024-04-22'],
      ['2024-04-22T10:43:00.123Z', '2024-04-22'],
      ['2024/04/22 0:00:00', '2024-04-22'],
      ['2024.04.22 10:43:00', '2024-04-22'],
    ];
    for (const [text, want] of cases) assert.equal(dateOf(text), want, text);
  });

  it('reads YYYYMMDD (text or number) and YYYYMMDDHHMMSS', () => {
    assert.equal(dateOf('20240422'), '2024-04-22');
    assert.equal(dateOf(20240422), '2024-04-22');
    assert.equal(dateOf('20240422104300'), '2024-04-22');
    assert.equal(dateOf('20240422 104300'), '2024-04-22');
    assert.equal(dateOf('20240422 1043'), '2024-04-22');
  });

  it("reads Oracle's DD-MON-YY with the RR rule: 00–69 → 20xx, 70–99 → 19xx", () => {
    const cases: [string, string][] = [
      ['22-APR-24 10:43:00', '2024-04-22'],
      ['22-APR-24', '2024-04-22'],
      ['22-apr-24', '2024-04-22'],
      ['1-Jan-00', '2000-01-01'],
      ['31-DEC-69', '2069-12-31'],
      ['01-JAN-70', '1970-01-01'],
      ['15-MAR-99', '1999-03-15'],
      ['22-APR-2024', '2024-04-22'],
      ['22-APR-24 10.43.00.000000 AM', '2024-04-22'],
      ['22-APR-24 12.00.00 PM', '2024-04-22'],
      ['29-FEB-24', '2024-02-29'],
    ];
    for (const [text, want] of cases) assert.equal(dateOf(text), want, text);
  });

  it('reads Date cells in UTC and Excel serial days (1900 system)', () => {
    assert.equal(dateOf(new Date(Date.UTC(2024, 3, 22))), '2024-04-22');
    assert.equal(dateOf(new Date(Date.UTC(2024, 3, 22, 23, 59, 59))), '2024-04-22');
    assert.equal(dateOf(45404), '2024-04-22');
    assert.equal(dateOf(45404.75), '2024-04-22');
    assert.equal(dateOf(43831), '2020-01-01');
    assert.equal(dateOf(61), '1900-03-01');
    assert.equal(dateOf(2958465), '9999-12-31');
  });

  it('refuses days that do not exist and out-of-range parts', () => {
    for (const text of [
      '2024-02-30',
      '2023-02-29',
      '2100-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-04-00',
      '2024-04-31',
      '20240230',
      '20241301',
      '30-FEB-24',
      '31-APR-24',
      '2024-04-22 24:00',
      '2024-04-22 10:60',
      '2024-04-22 10:43:61',
      '22-APR-24 13.00.00 PM',
      '22-APR-24 0.00.00 AM',
      '0999-01-01',
    ]) {
      assert.deepEqual(parseRowDate(text), { ok: false, reason: 'unreadable' }, text);
    }
    assert.equal(dateOf('2000-02-29'), '2000-02-29');
    assert.equal(dateOf('2024-02-29'), '2024-02-29');
  });

  it('refuses text that is no date, mixed separators and bare numbers other than YYYYMMDD in text', () => {
    for (const text of [
      'yesterday',
      '2024-04/22',
      '2024-04-22-',
      '24-04-22',
      '04/22/2024',
      '22-ABC-24',
      '22-APR-124',
      '45404',
      '2024',
      '202404221',
      '2024-04-22 10',
      '2024-04-22 noon',
      '=DATE(2024,4,22)',
      '2'.repeat(MAX_DATE_CHARS + 1),
    ]) {
      assert.deepEqual(parseRowDate(text), { ok: false, reason: 'unreadable' }, text);
    }
    for (const v of [60, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2958466, 123456789, true]) {
      assert.equal(parseRowDate(v).ok, false, String(v));
    }
    assert.equal(parseRowDate(new Date(Number.NaN)).ok, false);
  });

  it('tells empty values from unreadable ones', () => {
    for (const v of [null, undefined, '', '   ']) assert.deepEqual(parseRowDate(v), { ok: false, reason: 'empty' }, JSON.stringify(v));
  });
});

describe('rowDateText', () => {
  it('keeps strings as read (capped), turns Dates and XLSX numbers into days, and empties into null', () => {
    assert.equal(rowDateText(' 22-APR-24 '), ' 22-APR-24 ');
    assert.equal(rowDateText('x'.repeat(100))?.length, MAX_DATE_CHARS);
    assert.equal(rowDateText(new Date(Date.UTC(2023, 0, 1, 8, 30))), '2023-01-01');
    assert.equal(rowDateText(45404), '2024-04-22');
    assert.equal(rowDateText(20240422), '2024-04-22');
    assert.equal(rowDateText(12.5), '12.5');
    assert.equal(rowDateText(null), null);
    assert.equal(rowDateText(''), null);
    assert.equal(rowDateText(true), 'TRUE');
  });

  it('gives text parseRowDate reads back to the same day', () => {
    for (const v of [new Date(Date.UTC(2020, 5, 30)), 45404, 20240101, '2024/1/5']) {
      const text = rowDateText(v);
      assert.equal(dateOf(text), dateOf(v), String(v));
    }
  });
});
