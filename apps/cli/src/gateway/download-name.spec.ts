import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileNameFromDisposition, safeFileName } from './download-name';

describe('fileNameFromDisposition', () => {
  it("prefers the exact UTF-8 name in filename* over the ASCII fallback (the gateway's header)", () => {
    const header = `attachment; filename="overspeed_geocoded.xlsx"; filename*=UTF-8''%EC%B8%A1%EC%A0%95_%EC%A3%BC%EC%86%8C%EB%B3%80%ED%99%98.xlsx`;
    assert.equal(fileNameFromDisposition(header), '측정_주소변환.xlsx');
  });

  it('reads filename* wherever it stands, case-insensitively, and percent-decoded quotes and parentheses', () => {
    assert.equal(fileNameFromDisposition(`attachment; FILENAME*=utf-8'ko'a%20%28b%29%27c.xlsx; filename="x.xlsx"`), "a (b)'c.xlsx");
  });

  it('falls back to filename (quoted, with escapes and a ; inside) when filename* is missing or undecodable', () => {
    assert.equal(fileNameFromDisposition('attachment; filename="a \\"b\\"; c.xlsx"'), 'a "b"; c.xlsx');
    assert.equal(fileNameFromDisposition(`attachment; filename*=UTF-8''%FF%FE.xlsx; filename=plain.xlsx`), 'plain.xlsx');
    assert.equal(fileNameFromDisposition(`attachment; filename*=ISO-8859-1''caf%E9.xlsx`), 'café.xlsx');
  });

  it('is null without a header or a name', () => {
    assert.equal(fileNameFromDisposition(null), null);
    assert.equal(fileNameFromDisposition('attachment'), null);
    assert.equal(fileNameFromDisposition('attachment; filename=""'), null);
  });
});

describe('safeFileName', () => {
  it('keeps only the last path segment, so a server cannot write outside the chosen directory', () => {
    assert.equal(safeFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeFileName('..\\..\\boot.ini'), 'boot.ini');
    assert.equal(safeFileName('/abs/측정_주소변환.xlsx'), '측정_주소변환.xlsx');
  });

  it('drops hidden-file dots and control or reserved characters; nothing usable is null', () => {
    assert.equal(safeFileName('.bashrc'), 'bashrc');
    assert.equal(safeFileName('a\u0000b|c?.xlsx'), 'a_b_c_.xlsx');
    assert.equal(safeFileName('..'), null);
    assert.equal(safeFileName('dir/'), null);
    assert.equal(safeFileName(''), null);
  });
});
