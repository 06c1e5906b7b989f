import { RecentUsers } from './recent-users';

describe('RecentUsers', () => {
  let clock = 0;
  const recent = (capacity = 3) => new RecentUsers<string>(1_000, capacity, () => clock);
  beforeEach(() => {
    clock = 0;
  });

  it('finds a user by id and by its token digest until it expires', () => {
    const users = recent();
    users.set('u-1', 'd-1', 'row 1');
    expect(users.get('u-1')).toBe('row 1');
    expect(users.byToken('d-1')).toBe('row 1');
    expect(users.byToken('d-2')).toBeUndefined();
    clock = 999;
    expect(users.byToken('d-1')).toBe('row 1');
    clock = 1_000;
    expect(users.get('u-1')).toBeUndefined();
    expect(users.byToken('d-1')).toBeUndefined();
    expect(users.size).toBe(0);
  });

  it('lets the longest unread go first when full', () => {
    const users = recent(2);
    users.set('u-1', 'd-1', 'row 1');
    users.set('u-2', 'd-2', 'row 2');
    users.get('u-1');
    users.set('u-3', 'd-3', 'row 3');
    expect(users.get('u-2')).toBeUndefined();
    expect(users.byToken('d-2')).toBeUndefined();
    expect(users.get('u-1')).toBe('row 1');
    expect(users.get('u-3')).toBe('row 3');
    expect(users.size).toBe(2);
  });

  it('forgets a user with its token, and a row set again replaces the old token', () => {
    const users = recent();
    users.set('u-1', 'd-1', 'row 1');
    users.set('u-1', 'd-9', 'row 1 again');
    expect(users.byToken('d-1')).toBeUndefined();
    expect(users.byToken('d-9')).toBe('row 1 again');
    users.forget('u-1');
    expect(users.get('u-1')).toBeUndefined();
    expect(users.byToken('d-9')).toBeUndefined();
  });
});
