import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../common/domain-errors.js';
import { isUnavailable } from './postgres-errors.js';

/** An error as Node's net module raises it for a failed socket call. */
function socketError(code: string, syscall: string): Error {
  return Object.assign(new Error(`${syscall} ${code} 10.0.0.2:5432`), { code, errno: -22, syscall });
}

describe('isUnavailable', () => {
  it('counts a connect() refused by a blackhole route (EINVAL) as the database being unreachable', () => {
    expect(isUnavailable(socketError('EINVAL', 'connect'))).toBe(true);
  });

  it('counts a firewall that drops or prohibits the link (EPERM, EACCES) as unreachable', () => {
    expect(isUnavailable(socketError('EPERM', 'connect'))).toBe(true);
    expect(isUnavailable(socketError('EACCES', 'write'))).toBe(true);
  });

  it('counts refused, reset and timed-out links, and its own StoreUnavailableError', () => {
    expect(isUnavailable(socketError('ECONNREFUSED', 'connect'))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isUnavailable(new Error('Query read timeout'))).toBe(true);
    expect(isUnavailable(new StoreUnavailableError())).toBe(true);
  });

  it('counts a lock another session held past lock_timeout (55P03), but no other state of its class', () => {
    expect(isUnavailable(Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }))).toBe(
      true,
    );
    expect(isUnavailable(Object.assign(new Error('object in use'), { code: '55006' }))).toBe(false);
  });

  it('does not count a refused statement or a bug as an outage', () => {
    expect(isUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
    expect(isUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
  });
});
