import { describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/close-codes.js';
import { ReconnectPolicy } from './reconnect-policy.js';

/** A policy whose jitter is fixed: random() returns `value` every time. */
const policy = (value: number) => new ReconnectPolicy({ baseMs: 1_000, capMs: 8_000, random: () => value });

describe(ReconnectPolicy.name, () => {
  it('stops after 4401, whatever came before: a retry cannot fix an unknown user or a rotated token', () => {
    const reconnect = policy(0.5);
    expect(reconnect.delayAfter(CloseCode.Unauthorized, false)).toBeUndefined();
    expect(reconnect.delayAfter(CloseCode.Abnormal, false)).toBe(500);
    expect(reconnect.delayAfter(CloseCode.Unauthorized, true)).toBeUndefined();
  });

  it('waits between 0.5 and 5 s after 1012, spread by the jitter', () => {
    expect(policy(0).delayAfter(CloseCode.ServiceRestart, true)).toBe(500);
    expect(policy(0.5).delayAfter(CloseCode.ServiceRestart, true)).toBe(2_750);
    expect(policy(0.999_999).delayAfter(CloseCode.ServiceRestart, true)).toBe(4_999);
  });

  it('counts a 1012 as no failure: the backoff after it starts from the base', () => {
    const reconnect = policy(0.5);
    reconnect.delayAfter(CloseCode.ServiceRestart, true);
    expect(reconnect.failures).toBe(0);
    // The restarting server does not answer yet: now the backoff begins.
    expect(reconnect.delayAfter(CloseCode.Abnormal, false)).toBe(500);
    expect(reconnect.delayAfter(CloseCode.Abnormal, false)).toBe(1_000);
  });

  it('waits at least 5 s after 4409, and longer once the backoff passes that', () => {
    const reconnect = policy(0.999_999);
    expect(reconnect.delayAfter(CloseCode.TooManyConnections, false)).toBe(5_000);
    expect(reconnect.delayAfter(CloseCode.TooManyConnections, false)).toBe(5_000);
    expect(reconnect.delayAfter(CloseCode.TooManyConnections, false)).toBe(5_000);
    expect(reconnect.delayAfter(CloseCode.TooManyConnections, false)).toBe(7_999);
  });

  it.each([
    ['1000 normal', CloseCode.Normal],
    ['1001 going away', CloseCode.GoingAway],
    ['1006 abnormal', CloseCode.Abnormal],
    ['1008 too many frames', CloseCode.PolicyViolation],
    ['1009 frame too large', CloseCode.TooLarge],
    ['1011 internal error', CloseCode.InternalError],
    ['4408 auth timeout', CloseCode.AuthTimeout],
    ['4429 too slow', CloseCode.TooSlow],
  ])('backs off exponentially with full jitter after %s', (_name, code) => {
    const reconnect = policy(0.5);
    expect([1, 2, 3, 4, 5].map(() => reconnect.delayAfter(code, false))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
  });

  it('starts afresh after a healthy connection', () => {
    const reconnect = policy(0.5);
    for (let i = 0; i < 3; i++) reconnect.delayAfter(CloseCode.Abnormal, false);
    expect(reconnect.delayAfter(CloseCode.InternalError, true)).toBe(500);
  });
});
