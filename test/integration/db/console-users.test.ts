import { ConsoleUser } from '../../../src/db/entities';
import { createConsoleUser, verifyConsoleLogin } from '../../../src/db/services/console-users';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { legacyScryptHash } from '../../support/legacy-password-hash';

describe('console users on PostgreSQL', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function storedHash(email: string): Promise<string> {
    const user = await db.orm.em.fork().findOneOrFail(ConsoleUser, { email });
    return user.passwordHash;
  }

  test('a new console user is stored with a bcrypt hash and signs in with its password only', async () => {
    await createConsoleUser(db.orm.em.fork(), {
      email: 'New.Admin@example.com',
      name: 'New Admin',
      role: 'admin',
      password: 'correct horse battery staple',
    });

    expect(await storedHash('new.admin@example.com')).toMatch(/^\$2b\$12\$/);
    const user = await verifyConsoleLogin(
      db.orm.em.fork(),
      'new.admin@example.com',
      'correct horse battery staple',
    );
    expect(user?.email).toBe('new.admin@example.com');
    expect(
      await verifyConsoleLogin(db.orm.em.fork(), 'new.admin@example.com', 'wrong horse battery staple'),
    ).toBe(null);
    expect(
      await verifyConsoleLogin(db.orm.em.fork(), 'nobody@example.com', 'correct horse battery staple'),
    ).toBe(null);
  });

  test('a console user created before bcrypt (scrypt hash) signs in, and the stored hash becomes bcrypt', async () => {
    const legacy = await legacyScryptHash('an older password of ours');
    const em = db.orm.em.fork();
    em.create(ConsoleUser, {
      email: 'old.admin@example.com',
      name: 'Old',
      role: 'admin',
      passwordHash: legacy,
    });
    await em.flush();

    expect(
      await verifyConsoleLogin(db.orm.em.fork(), 'old.admin@example.com', 'not our password at all'),
    ).toBe(null);
    expect(await storedHash('old.admin@example.com')).toBe(legacy);

    const user = await verifyConsoleLogin(
      db.orm.em.fork(),
      'old.admin@example.com',
      'an older password of ours',
    );
    expect(user?.email).toBe('old.admin@example.com');
    const upgraded = await storedHash('old.admin@example.com');
    expect(upgraded).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);

    // The upgraded hash signs the same password in again, and is not replaced a second time.
    expect(
      (await verifyConsoleLogin(db.orm.em.fork(), 'old.admin@example.com', 'an older password of ours'))
        ?.email,
    ).toBe('old.admin@example.com');
    expect(await storedHash('old.admin@example.com')).toBe(upgraded);
  });

  test('a password beyond bcrypt’s 72 bytes is refused when the user is created, nothing stored', async () => {
    await expect(
      createConsoleUser(db.orm.em.fork(), {
        email: 'long@example.com',
        name: 'Long',
        role: 'viewer',
        password: 'x'.repeat(73),
      }),
    ).rejects.toThrow('at most 72 bytes');
    expect(await db.orm.em.fork().count(ConsoleUser, { email: 'long@example.com' })).toBe(0);
  });
});
