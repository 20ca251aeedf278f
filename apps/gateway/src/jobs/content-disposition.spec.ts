import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attachmentDisposition, resultFileName } from './content-disposition';
import { csvSheetName as sheetNameFor } from '@geobatch/util-spreadsheet';

/** Decodes `filename*=UTF-8''…` the way a browser does. */
function extended(header: string): string {
  const m = /filename\*=UTF-8''([^;\s]+)/.exec(header);
  assert.ok(m, header);
  return decodeURIComponent(m[1]);
}

describe('result download name', () => {
  it("is the input's base name with _주소변환.xlsx, exact in filename* and ASCII in filename", () => {
    const header = attachmentDisposition('측정 자료(2024).csv');
    assert.match(header, /^attachment; filename="\(2024\)_geocoded\.xlsx"; filename\*=UTF-8''/);
    assert.equal(extended(header), '측정 자료(2024)_주소변환.xlsx');
    assert.match(attachmentDisposition('측정.csv'), /filename="?result_geocoded\.xlsx"?;/);
    assert.doesNotMatch(header.split("filename*=UTF-8''")[1], /[ ()'*]/); // RFC 5987 attr-chars only
  });

  it('keeps the ASCII part of a mixed name in the fallback', () => {
    const header = attachmentDisposition('overspeed-200.utf8.csv');
    assert.match(header, /filename="?overspeed-200\.utf8_geocoded\.xlsx"?;/);
    assert.equal(extended(header), 'overspeed-200.utf8_주소변환.xlsx');
  });

  it('cannot be used to inject header parameters', () => {
    const header = attachmentDisposition('a"; filename="evil.exe\r\n.csv');
    assert.equal((header.match(/filename=/g) ?? []).length, 1);
    assert.doesNotMatch(header, /[\r\n]|evil\.exe"/);
  });

  it('names a format=csv result _주소변환.csv', () => {
    const header = attachmentDisposition('측정 자료.xlsx', 'csv');
    assert.match(header, /filename="?result_geocoded\.csv"?;/);
    assert.equal(extended(header), '측정 자료_주소변환.csv');
    assert.equal(resultFileName('overspeed.xlsx', 'csv'), 'overspeed_주소변환.csv');
  });

  it('drops folders a client may send', () => {
    assert.equal(resultFileName('C:\\data\\측정.csv'), '측정_주소변환.xlsx');
  });

  it('names the CSV sheet after the file, valid for Excel', () => {
    assert.equal(sheetNameFor('측정.csv'), '측정');
    assert.equal(sheetNameFor('a[1]:b?.csv'), 'a_1__b_');
    assert.equal(sheetNameFor('x'.repeat(40) + '.csv').length, 31);
    assert.equal(sheetNameFor('.csv'), '.csv');
    assert.equal(sheetNameFor("''.csv"), 'Sheet1');
  });
});
