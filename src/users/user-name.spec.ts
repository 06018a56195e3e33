import { describe, expect, it } from 'vitest';
import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';
import { parseUserName } from './user-name.js';

describe(parseUserName.name, () => {
  it('trims and normalises to NFC, keeping the case for display', () => {
    const decomposed = '  Jose\u0301 ';
    expect(parseUserName(decomposed)).toEqual({ display: 'José', key: 'josé' });
  });

  it('accepts names in any script and the allowed punctuation', () => {
    for (const name of ['李雷', "O'Brien", 'anne-marie', 'j.r._smith', 'Ольга 2', 'नमस्ते']) {
      expect(parseUserName(name).display).toBe(name);
    }
  });

  it('gives names that differ in case or compatibility form one key', () => {
    expect(parseUserName('ALICE').key).toBe(parseUserName('alice').key);
    expect(parseUserName('ｆｕｌｌ').key).toBe(parseUserName('full').key);
  });

  it('counts characters, not UTF-16 units, against the 32 limit', () => {
    expect(parseUserName('𝒜'.repeat(32)).display).toHaveLength(64);
    expect(() => parseUserName('a'.repeat(33))).toThrow(InvalidInputError);
  });

  it.each(['', '   ', '\t\n', 'a\tb', 'a\nb', 'bob!', '<script>', 'a/b', 'emoji 😀', 'zero\u200bwidth', 'nul\u0000'])(
    'refuses %j',
    (name) => expect(() => parseUserName(name)).toThrow(InvalidInputError),
  );

  it('reserves anonymous in every case', () => {
    expect(() => parseUserName('anonymous')).toThrow(NameTakenError);
    expect(() => parseUserName(' Anonymous ')).toThrow(NameTakenError);
  });
});
