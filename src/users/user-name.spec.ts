import { describe, expect, it } from 'vitest';
import { InvalidInputError, NameTakenError } from '../common/domain-errors.js';
import { parseUserName } from './user-name.js';

describe(parseUserName.name, () => {
  it('trims and normalises to NFC, keeping the case for display', () => {
    const decomposed = '  Jose\u0301 ';
    expect(parseUserName(decomposed)).toEqual({ display: 'José', key: 'josé' });
  });

  it.each([
    '李雷',
    "O'Brien",
    'anne-marie',
    'j.r._smith',
    'Ольга 2',
    'नमस्ते',
    'j.doe@corp.example',
    'testuser_5b0c9a1e-7d4f-4c8e-9a3b-2f1e0d9c8b7a',
    'Ana (QA)',
    'bob!',
    '<b>',
    'a/b',
    'emoji 😀',
    '👩‍💻 dev',
    '👍🏽',
    '🇫🇷',
    '🏴󠁧󠁢󠁳󠁣󠁴󠁿',
    '¹²³ ½',
  ])('accepts the printable name %j', (name) => {
    expect(parseUserName(name).display).toBe(name);
  });

  it('gives names that differ in case or compatibility form one key', () => {
    expect(parseUserName('ALICE').key).toBe(parseUserName('alice').key);
    expect(parseUserName('ｆｕｌｌ').key).toBe(parseUserName('full').key);
    expect(parseUserName('J.Doe@Corp.Example').key).toBe(parseUserName('j.doe@corp.example').key);
  });

  it('counts characters, not UTF-16 units, against the 64 limit', () => {
    expect(parseUserName('𝒜'.repeat(64)).display).toHaveLength(128);
    expect(parseUserName('x'.repeat(64)).display).toHaveLength(64);
    expect(() => parseUserName('a'.repeat(65))).toThrow(InvalidInputError);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['only line breaks', '\t\n'],
    ['a tab', 'a\tb'],
    ['a line feed', 'a\nb'],
    ['NUL', 'nul\u0000'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a zero-width space', 'zero\u200bwidth'],
    ['a zero-width non-joiner', 'a\u200cb'],
    ['a joiner outside an emoji sequence', 'a\u200db'],
    ['a bidi override', 'abc\u202Egpj.exe'],
    ['a bidi isolate', 'a\u2066b'],
    ['a byte-order mark inside', 'a\ufeffb'],
    ['a soft hyphen', 'a\u00adb'],
    ['a line separator', 'a\u2028b'],
    ['a paragraph separator', 'a\u2029b'],
    ['a no-break space', 'a\u00a0b'],
    ['an ideographic space', 'a\u3000b'],
    ['a private-use character', 'a\ue000b'],
    ['a supplementary private-use character', 'a\u{F0000}b'],
    ['an unassigned code point', 'a\u0378b'],
    ['a noncharacter', 'a\uffffb'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
  ])('refuses %s', (_what, name) => expect(() => parseUserName(name)).toThrow(InvalidInputError));

  it('reserves anonymous in every case and compatibility form', () => {
    expect(() => parseUserName('anonymous')).toThrow(NameTakenError);
    expect(() => parseUserName(' Anonymous ')).toThrow(NameTakenError);
    expect(() => parseUserName('ＡＮＯＮＹＭＯＵＳ')).toThrow(NameTakenError);
  });
});
