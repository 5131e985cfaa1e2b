// The user a call is made for rides in the body as context.user.accountId, set from Forge's own
// context.accountId and nothing else: a user the UI's payload names is dropped, even when the
// invocation has no user at all.
import { describe, expect, it } from 'vitest';
import { withCaller } from '../../forge/companion/companion-client.js';

describe('the companion client puts the caller in the body', () => {
  const claimed = { context: { user: { accountId: 'someone-else' }, issue: { id: '10001' } }, input: 'a' };

  it("replaces the payload's user with Forge's", () => {
    expect(withCaller('POST', claimed, 'acc-1')).toEqual({ context: { user: { accountId: 'acc-1' }, issue: { id: '10001' } }, input: 'a' });
    expect(withCaller('PUT', { name: 'x' }, 'acc-1')).toEqual({ name: 'x', context: { user: { accountId: 'acc-1' } } });
    expect(withCaller('DELETE', undefined, 'acc-1')).toEqual({ context: { user: { accountId: 'acc-1' } } });
  });

  it('drops a claimed user when the invocation has none, and adds nothing to GET', () => {
    expect(withCaller('POST', claimed, undefined)).toEqual({ context: { issue: { id: '10001' } }, input: 'a' });
    expect(withCaller('POST', { context: { user: { accountId: 'someone-else' } } }, undefined)).toEqual({ context: {} });
    expect(withCaller('DELETE', undefined, undefined)).toBeUndefined();
    expect(withCaller('POST', { name: 'x' }, undefined)).toEqual({ name: 'x' });
    expect(withCaller('GET', undefined, 'acc-1')).toBeUndefined();
  });
});
