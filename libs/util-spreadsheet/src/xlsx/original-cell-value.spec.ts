import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '@geobatch/util-testing';
import { originalCellValue, originalNumberFormat } from './original-cell-value';

describe('originalCellValue: a CSV value becomes a number cell when Excel would read it as a number', () => {
  it('numbers: plain decimals, trailing zeros, a sign, a leading point, exponents', () => {
    const numbers: [string, number][] = [
      ['60', 60], ['127.229305', 127.229305], ['-3.5', -3.5], ['0', 0], ['0.25', 0.25],
      ['35.736320', 35.73632], ['37.50', 37.5], ['1.0', 1], ['2024.10', 2024.1], ['100', 100],
      ['+5', 5], ['+127.5', 127.5], ['-0', 0], ['-0.0', 0], ['.5', 0.5], ['-.5', -0.5],
      ['1.5E3', 1500], ['1e5', 100000], ['2.5e-3', 0.0025], ['-1E+05', -100000], ['0.0000001', 1e-7],
      ['20240422', 20240422], ['123456789012345', 123456789012345], ['+1234567', 1234567],
    ];
    for (const [raw, num] of numbers) assert.equal(originalCellValue(raw), num, raw);
    assert.ok(Object.is(originalCellValue('-0'), 0), '-0 reads as 0');
  });

  it('text: leading zeros, more than 15 significant digits, codes, plates, phones, dates, separators', () => {
    const texts = [
      '007', '0123', '00', '00.5', '-007',
      '1234567890123456', '4111111111111111', '0.1234567890123456', '1234567890123.456', '35.7363200000000001',
      '12가3456', '서울', 'A-12', '12 34', '0x1F', 'NaN', 'Infinity', '-Infinity',
      '010-1234-5678', '02-123-4567', '+82-10-1234-5678', '+821012345678', '+82 10',
      '2024-04-22', '2024.04.22', '22-APR-24', '12/05', '10:43:00',
      '1,000', '1,5', '50%', '$5', '(5)', '5.', '.', '-', '+', '', 'e5', '1e', '1e+', '1e1234', '1e400', '1e-400', '1.5E3.2',
      '=1+1', '-cmd', '@SUM(A1)',
    ];
    for (const raw of texts) assert.equal(originalCellValue(raw), raw, raw);
  });

  it('decides as a regex statement of the same rule does, on random strings of digits, signs, points and letters', () => {
    const NUMBER = /^[+-]?(?:0|[1-9]\d*|)(?:\.\d+)?(?:[eE][+-]?\d{1,3})?$/;
    const reference = (raw: string): string | number => {
      if (!NUMBER.test(raw) || !/\d/.test(raw.split(/[eE]/)[0])) return raw;
      const mantissa = raw.replace(/^[+-]/, '').split(/[eE]/)[0];
      const significant = mantissa.replace('.', '').replace(/^0+/, '').length;
      if (significant > 15) return raw;
      if (raw.startsWith('+') && /^\+\d{8,}$/.test(raw)) return raw;
      const v = Number(raw);
      if (!Number.isFinite(v) || Math.abs(v) >= 1e308 || (v === 0 ? significant > 0 : Math.abs(v) < 1e-307)) return raw;
      return v === 0 ? 0 : v;
    };
    const rand = mulberry32(7);
    const alphabet = '0123456789.-+eE ,x';
    for (let i = 0; i < 50_000; i++) {
      const length = Math.floor(rand() * 19);
      const raw = Array.from({ length }, () => (rand() < 0.7 ? String(Math.floor(rand() * 10)) : alphabet[Math.floor(rand() * alphabet.length)])).join('');
      assert.equal(originalCellValue(raw), reference(raw), JSON.stringify(raw));
    }
  });
});

describe('originalNumberFormat: shows a number cell as typed where General would not', () => {
  it('gives as many decimals as typed for trailing zeros, nothing otherwise', () => {
    assert.equal(originalNumberFormat('35.736320'), '0.000000');
    assert.equal(originalNumberFormat('37.50'), '0.00');
    assert.equal(originalNumberFormat('-1.0'), '0.0');
    for (const raw of ['35.73632', '60', '100', '1.5E3', '1.50E3', '007', '12가3456', '5.']) assert.equal(originalNumberFormat(raw), undefined, raw);
  });
});
