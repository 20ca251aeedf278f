import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nestingKey, officialCodeOf, parentCodeOf } from './area-codes';

describe('area codes: how codes nest', () => {
  it('a 10-digit official code nests by its level prefix', () => {
    assert.equal(nestingKey('1100000000', 'sido'), '11');
    assert.equal(nestingKey('1111000000', 'sigungu'), '11110');
    assert.equal(nestingKey('1111010100', 'eupmyeondong'), '11110101');
    assert.equal(nestingKey('1111010121', 'ri'), '1111010121');
    // 세종특별자치시: the 시도 is spelled like its one 시군구, and still nests by its two digits.
    assert.equal(nestingKey('3611000000', 'sido'), '36');
    assert.equal(nestingKey('3611000000', 'sigungu'), '36110');
  });

  it('any other code is its own key: short 행정안전부 and KOSTAT codes', () => {
    assert.equal(nestingKey('11110', 'sigungu'), '11110');
    assert.equal(nestingKey('1101053', 'eupmyeondong'), '1101053');
    assert.equal(nestingKey('11110000ab', 'sigungu'), '11110000ab');
  });

  it('a parent code named from a child is spelled like the child: official for 10-digit codes, a prefix otherwise', () => {
    assert.equal(parentCodeOf('1111051500', 5), '1111000000');
    assert.equal(parentCodeOf('1111051500', 2), '1100000000');
    assert.equal(parentCodeOf('3611051000', 2), '3611000000', '세종 as both code systems spell it');
    assert.equal(parentCodeOf('1101053', 5), '11010');
    assert.equal(officialCodeOf('41281'), '4128100000');
  });
});
