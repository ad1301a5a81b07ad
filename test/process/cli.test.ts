import { runCli, type CliResult } from '../helpers/cli-process.ts';
/**
 * The operator CLI as a real child process (`node src/cli.ts …`, as `npm run --silent cli -- …`
 * runs it) on the database the test run uses: a file DATA_DIR on PGlite, the run's database on
 * PostgreSQL. The embedded database allows one process at a time, so the test opens its own
 * handle only between CLI runs (`withApp`) and closes it before spawning the next one.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { writePrivateFile } from '../../src/config.ts';
import type { Database } from '../../src/database/database.ts';
import { createKeyring } from '../../src/modules/crypto/envelope.ts';
import type { CreateSecretInput } from '../gql/graphql.ts';
import { executeOk } from '../helpers/app.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import {
  CreateSecret,
  CreateVaultConnection,
  DeleteSecret,
  DestroySecretVersion,
  NodeById,
  PromoteSecretVersion,
  RestoreSecretVersion,
  RotateSecretStaged,
  UpdateSecret,
  Viewer,
} from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { withInProcessApp } from '../helpers/in-process-app.ts';
import { rawId, unknownId } from '../helpers/ids.ts';
import { findLeaks, rowHaystacks } from '../helpers/leaks.ts';
import { storePreRuleEnvSecret } from '../helpers/pre-rule-secret.ts';
import { RESERVED_ENV_KEYS, RESERVED_ENV_KEY_PREFIXES } from '../../src/modules/secret/reserved-env-keys.ts';

/** Generous: a PGlite data directory takes seconds to open on a busy machine. */
const SLOW = 120_000;

const masterKey = randomBytes(32);
const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-cli-test-'));
/** Where the CLI finds the database and the master key: DATA_DIR (key in DATA_DIR/master.key), or DATABASE_URL + CLOAKROOM_MASTER_KEY. */
const cliEnv: Record<string, string> = testDatabaseUrl
  ? { DATABASE_URL: testDatabaseUrl, CLOAKROOM_MASTER_KEY: masterKey.toString('base64') }
  : { DATA_DIR: dataDir };

beforeAll(() => {
  if (!testDatabaseUrl) writePrivateFile(join(dataDir, 'master.key'), `${masterKey.toString('base64')}\n`);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The CLI on this file's database and master key. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...cliEnv, ...env }, SLOW - 5_000);

/** The API and the database, in this process, on the CLI's database and master key; closed (lock released) before returning. */
const withApp = <T>(fn: (env: { app: App; db: Kysely<Database> }) => Promise<T>) =>
  withInProcessApp({ databaseUrl: testDatabaseUrl, dataDir, masterKey }, fn);

const decodeId = (id: string) => Buffer.from(id, 'base64').toString('utf8');
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/**
 * The child `cli run` starts: prints a SHA-256 of the listed env vars (name and value, null when
 * unset) and exits with the code given first. Nothing else reaches stdout.
 */
const HASH_SCRIPT = [
  "const { createHash } = require('node:crypto');",
  'const [code, ...keys] = process.argv.slice(1);',
  'const seen = JSON.stringify(keys.map((key) => [key, process.env[key] ?? null]));',
  "process.stdout.write(createHash('sha256').update(seen).digest('hex') + '\\n');",
  'process.exitCode = Number(code);',
].join('\n');

/** What HASH_SCRIPT prints for these names and values. */
function expectedHash(env: Record<string, string | null>): string {
  const seen = JSON.stringify(Object.entries(env));
  return `${createHash('sha256').update(seen).digest('hex')}\n`;
}

/** `cli run --secret id -- node -e HASH_SCRIPT exitCode ...keys` */
function runHash(secretId: string, exitCode: number, keys: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return cli(['run', '--secret', secretId, '--', process.execPath, '-e', HASH_SCRIPT, String(exitCode), ...keys], env);
}

function expectNoValues(result: CliResult, values: readonly string[]): void {
  for (const value of values) {
    expect(result.stdout).not.toContain(value);
    expect(result.stderr).not.toContain(value);
  }
}

// The tests run in order and build on each other: the team `bootstrap` creates is the one the
// `run` tests put their secrets in, through the tokens the CLI printed. (On PGlite every open of
// the data directory costs seconds, so the file opens it as few times as it can.)
let bootstrap: { teamId: string; userId: string; token: string } | undefined;
let viewer: { userId: string; token: string } | undefined;
const ownerEmail = `cli-owner-${randomUUID()}@example.test`;
const viewerEmail = `cli-viewer-${randomUUID()}@example.test`;
const teamName = `CLI team ${randomUUID().slice(0, 8)}`;

function bootstrapped(): { teamId: string; userId: string; token: string } {
  if (!bootstrap) throw new Error('the bootstrap test must run first');
  return bootstrap;
}

describe('bootstrap and token', () => {
  test(
    'bootstrap prints one JSON line {teamId, userId, token} with global ids',
    async () => {
      const result = await cli(['bootstrap', '--team', teamName, '--email', ownerEmail]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout.endsWith('\n')).toBe(true);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      const printed = JSON.parse(result.stdout) as { teamId: string; userId: string; token: string };
      expect(Object.keys(printed).sort()).toEqual(['teamId', 'token', 'userId']);
      expect(decodeId(printed.teamId)).toMatch(new RegExp(`^Team:${UUID}$`));
      expect(decodeId(printed.userId)).toMatch(new RegExp(`^User:${UUID}$`));
      expect(printed.token).toMatch(/^\S{20,}$/);
      bootstrap = printed;
    },
    SLOW,
  );

  test(
    'token adds a new user to the team with the role and prints {userId, token}',
    async () => {
      const { teamId, userId } = bootstrapped();
      const result = await cli(['token', '--team', teamId, '--email', viewerEmail, '--role', 'VIEWER', '--name', 'ci']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const printed = JSON.parse(result.stdout) as { userId: string; token: string };
      expect(Object.keys(printed).sort()).toEqual(['token', 'userId']);
      expect(decodeId(printed.userId)).toMatch(new RegExp(`^User:${UUID}$`));
      expect(printed.userId).not.toBe(userId);
      viewer = printed;
    },
    SLOW,
  );

  test(
    'an unknown team: exit 1, an error on stderr, nothing on stdout',
    async () => {
      const result = await cli(['token', '--team', unknownId('Team'), '--email', viewerEmail, '--role', 'VIEWER']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: .*not found/i);
      expect(result.stderr).not.toContain('Usage:');
    },
    SLOW,
  );

  test(
    'bad arguments: exit 2, the problem and the usage on stderr, nothing on stdout',
    async () => {
      const cases: [string[], RegExp | null][] = [
        [[], null],
        [['frobnicate'], /Unknown command "frobnicate"/],
        [['bootstrap', '--team', 'T', '--email', 'a@example.test', '--bogus', 'x'], /bogus/],
        [['run', '--', 'true'], /Missing --secret/],
        [['run', '--secret', unknownId('Secret')], /Give the command to run/],
        // Checked once the database is open (one process at a time on PGlite: this is the only one).
        [['token', '--team', bootstrapped().teamId, '--email', viewerEmail, '--role', 'KING'], /Invalid --role/],
      ];
      const results = await Promise.all(cases.map(([args]) => cli(args)));
      results.forEach((result, index) => {
        const [args, message] = cases[index]!;
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stdout, args.join(' ')).toBe('');
        expect(result.stderr, args.join(' ')).toContain('Usage: npm run --silent cli -- <command> [options]');
        if (message) expect(result.stderr, args.join(' ')).toMatch(message);
      });
    },
    SLOW,
  );
});

describe('run --secret ID -- COMMAND', () => {
  const envValues = {
    API_TOKEN: `tok-${randomBytes(16).toString('hex')}`,
    MULTI_LINE: `-----BEGIN KEY-----\n${randomBytes(24).toString('base64')}\n-----END KEY-----\n`,
    WITH_SPACES: `  a = b ; "quoted" $HOME ${randomBytes(4).toString('hex')}  `,
  };
  const accessKey = fixtures.accessKey();
  let envSecretId: string;
  let s3SecretId: string;
  let vaultSecretId: string;
  const allValues = [...Object.values(envValues), accessKey.accessKeyId, accessKey.secretAccessKey];

  beforeAll(async () => {
    const { teamId, userId, token } = bootstrapped();
    await withApp(async ({ app }) => {
      // The tokens the CLI printed work against the API on the same database, with their roles.
      expect((await executeOk(app, Viewer, {}, token)).viewer).toMatchObject({
        user: { id: userId },
        email: ownerEmail,
        memberships: [{ role: 'OWNER', team: { id: teamId, name: teamName } }],
      });
      expect((await executeOk(app, Viewer, {}, viewer!.token)).viewer).toMatchObject({
        user: { id: viewer!.userId },
        memberships: [{ role: 'VIEWER', team: { id: teamId } }],
      });

      const create = async (input: Partial<CreateSecretInput>) => {
        const result = (await executeOk(app, CreateSecret, { input: { teamId, name: `cli-${randomUUID()}`, ...input } }, token))
          .createSecret;
        if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
        return result.secret.id;
      };
      envSecretId = await create({
        secretType: 'ENV',
        credentials: { envVars: Object.entries(envValues).map(([key, value]) => ({ key, value })) },
      });
      s3SecretId = await create({ secretType: 'S3', credentials: { accessKey } });
      const vault = await executeOk(
        app,
        CreateVaultConnection,
        {
          input: {
            teamId,
            name: `vault-${randomUUID()}`,
            vaultType: 'ONEPASSWORD',
            credentials: { onePassword: { accessToken: 'ops_eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3QifQ' } },
          },
        },
        token,
      );
      if (vault.createVaultConnection.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(vault));
      vaultSecretId = await create({
        secretType: 'S3',
        vaultConnectionId: vault.createVaultConnection.vaultConnection.id,
        fieldMappings: [
          { fieldName: 'access_key_id', reference: 'op://Infra/aws/access_key_id' },
          { fieldName: 'secret_access_key', reference: 'op://Infra/aws/secret_access_key' },
        ],
      });
    });
  }, SLOW);

  test(
    'ENV secret: the child gets every key with its exact value; stdout is the child’s alone; its exit code (7) is the CLI’s',
    async () => {
      const result = await runHash(envSecretId, 7, [...Object.keys(envValues), 'NOT_IN_SECRET']);
      expect(result).toEqual({ code: 7, signal: null, stdout: expectedHash({ ...envValues, NOT_IN_SECRET: null }), stderr: '' });
      expectNoValues(result, allValues);
    },
    SLOW,
  );

  test(
    'storage secret: the conventional names (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); exit 0; the master key never reaches the child',
    async () => {
      // The master key is in the CLI's environment here even in embedded mode (the same key as DATA_DIR/master.key).
      const result = await runHash(s3SecretId, 0, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'access_key_id', 'CLOAKROOM_MASTER_KEY'], {
        CLOAKROOM_MASTER_KEY: masterKey.toString('base64'),
      });
      const expected = expectedHash({
        AWS_ACCESS_KEY_ID: accessKey.accessKeyId,
        AWS_SECRET_ACCESS_KEY: accessKey.secretAccessKey,
        access_key_id: null,
        CLOAKROOM_MASTER_KEY: null,
      });
      expect(result).toEqual({ code: 0, signal: null, stdout: expected, stderr: '' });
      expectNoValues(result, [...allValues, masterKey.toString('base64')]);
    },
    SLOW,
  );

  test(
    'EXTERNAL_VAULT secret: exit 1 with a clear message on stderr; the command never runs',
    async () => {
      const result = await cli(['run', '--secret', vaultSecretId, '--', process.execPath, '-e', "console.log('COMMAND RAN')"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: This secret reads its credentials from an external vault/);
      expect(result.stderr).not.toContain('Usage:');
    },
    SLOW,
  );

  test(
    'unknown or malformed secret id: exit 1; the command never runs',
    async () => {
      // Only the well-formed unknown id reaches the database; the others are refused before.
      const ids = [unknownId('Secret'), 'not-a-global-id', bootstrapped().teamId];
      const results = await Promise.all(
        ids.map((id) => cli(['run', '--secret', id, '--', process.execPath, '-e', "console.log('COMMAND RAN')"])),
      );
      results.forEach((result, index) => {
        expect(result.code, ids[index]).toBe(1);
        expect(result.stdout, ids[index]).toBe('');
        expect(result.stderr, ids[index]).toMatch(/^error: .*(not found|No Secret)/i);
      });
    },
    SLOW,
  );

  test(
    'each run writes secret.injected naming the env vars, never their values; a refused run writes none; after renameKeys the old value comes under the new key',
    async () => {
      const { teamId, token } = bootstrapped();
      await withApp(async ({ app, db }) => {
        const events = await db
          .selectFrom('audit_events')
          .selectAll()
          .where('action', '=', 'secret.injected')
          .where('target_id', 'in', [rawId(envSecretId), rawId(s3SecretId), rawId(vaultSecretId)])
          .execute();
        const byTarget = (id: string) => events.filter((event) => event.target_id === rawId(id));
        expect(byTarget(envSecretId)).toMatchObject([
          {
            team_id: rawId(teamId),
            target_type: 'Secret',
            changed_fields: Object.keys(envValues),
            target_version: 1,
            actor_user_id: null,
            actor_token_id: null,
            outcome: 'SUCCESS',
          },
        ]);
        expect(byTarget(s3SecretId)).toMatchObject([{ changed_fields: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] }]);
        expect(byTarget(vaultSecretId)).toEqual([]);
        expect(findLeaks(rowHaystacks('audit_events', events), allValues)).toEqual([]);

        const renamed = await executeOk(
          app,
          UpdateSecret,
          { input: { id: envSecretId, renameKeys: [{ from: 'API_TOKEN', to: 'SERVICE_TOKEN' }] } },
          token,
        );
        expect(renamed.updateSecret).toMatchObject({ __typename: 'UpdateSecretSuccess', secret: { version: 2 } });
      });

      const result = await runHash(envSecretId, 0, ['SERVICE_TOKEN', 'API_TOKEN', 'MULTI_LINE', 'WITH_SPACES']);
      expect(result).toEqual({
        code: 0,
        signal: null,
        stdout: expectedHash({
          SERVICE_TOKEN: envValues.API_TOKEN,
          API_TOKEN: null,
          MULTI_LINE: envValues.MULTI_LINE,
          WITH_SPACES: envValues.WITH_SPACES,
        }),
        stderr: '',
      });
      expectNoValues(result, allValues);
    },
    SLOW,
  );

  test.runIf(testDatabaseUrl)(
    'with DATABASE_URL the master key is required: exit 1 and says so',
    async () => {
      const result = await runHash(envSecretId, 0, ['SERVICE_TOKEN'], { CLOAKROOM_MASTER_KEY: '' });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/CLOAKROOM_MASTER_KEY is required/);
    },
    SLOW,
  );
});

describe('run refuses reserved keys; the child inherits none of cloakroom’s configuration', () => {
  /** Where the attacks would leave traces, and where the command itself would write its marker. */
  const workDir = mkdtempSync(join(tmpdir(), 'cloakroom-cli-reserved-'));
  const pwned = join(workDir, 'pwned');
  const evilBin = join(workDir, 'bin');
  const evilScript = join(workDir, 'evil.sh');
  const evilModule = join(workDir, 'evil.cjs');
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  /** The values an attacker would store: each would run code (or redirect cloakroom) if the child got it. */
  const attacks: Record<string, string> = {
    PATH: `${evilBin}:/usr/bin:/bin`,
    BASH_ENV: evilScript,
    NODE_OPTIONS: `--require ${evilModule}`,
    LD_PRELOAD: join(workDir, 'evil.so'),
    DATABASE_URL: 'postgres://attacker:pw@attacker.invalid:5432/loot',
    CLOAKROOM_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  const secretOf: Record<string, string> = {};
  let everyKeySecretId: string;
  let controlSecretId: string;
  const everyKey = [...RESERVED_ENV_KEYS, ...RESERVED_ENV_KEY_PREFIXES.map((prefix) => `${prefix}${prefix.endsWith('_') ? '' : '_'}X`)];

  beforeAll(async () => {
    mkdirSync(evilBin);
    writeFileSync(join(evilBin, 'sh'), `#!/bin/sh\n/usr/bin/touch ${pwned}-PATH\n`);
    chmodSync(join(evilBin, 'sh'), 0o755);
    writeFileSync(evilScript, `touch ${pwned}-BASH_ENV\n`);
    writeFileSync(evilModule, `require('node:fs').writeFileSync(${JSON.stringify(`${pwned}-NODE_OPTIONS`)}, '')\n`);
    const teamId = rawId(bootstrapped().teamId);
    await withApp(async ({ db }) => {
      const keyring = createKeyring(masterKey);
      for (const [key, value] of Object.entries(attacks))
        secretOf[key] = await storePreRuleEnvSecret(db, keyring, teamId, { API_TOKEN: `tok-${randomUUID()}`, [key]: value });
      everyKeySecretId = await storePreRuleEnvSecret(db, keyring, teamId, Object.fromEntries(everyKey.map((key) => [key, 'x'])));
      controlSecretId = await storePreRuleEnvSecret(db, keyring, teamId, { API_TOKEN: `tok-${randomUUID()}` });
    });
  }, SLOW);

  /** `cli run --secret id -- sh -c 'touch marker'`: the marker exists only if the command ran. */
  async function runTouch(secretId: string, marker: string): Promise<CliResult> {
    return cli(['run', '--secret', secretId, '--', 'sh', '-c', `touch ${marker}`]);
  }

  test(
    'control: a secret without reserved keys runs the command (so a missing marker below means nothing ran)',
    async () => {
      const marker = join(workDir, 'marker-control');
      expect(await runTouch(controlSecretId, marker)).toMatchObject({ code: 0, stdout: '', stderr: '' });
      expect(existsSync(marker)).toBe(true);
    },
    SLOW,
  );

  for (const key of Object.keys(attacks)) {
    test(
      `a stored ${key}: exit 1, the key named on stderr (no value), nothing runs, no attack fires`,
      async () => {
        const marker = join(workDir, `marker-${key}`);
        const result = await runTouch(secretOf[key]!, marker);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(new RegExp(`^error: This secret holds reserved env keys that cli run will not inject: ${key}\\. `));
        expectNoValues(result, [attacks[key]!]);
        expect(existsSync(marker)).toBe(false);
        expect(existsSync(`${pwned}-${key}`)).toBe(false);
      },
      SLOW,
    );
  }

  test(
    'a secret holding every reserved key: all of them named, nothing runs',
    async () => {
      const marker = join(workDir, 'marker-every-key');
      const result = await runTouch(everyKeySecretId, marker);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`inject: ${everyKey.join(', ')}. `);
      expect(existsSync(marker)).toBe(false);
    },
    SLOW,
  );

  test(
    'each refusal is one DENIED secret.injected naming the reserved keys; none SUCCESS',
    async () => {
      await withApp(async ({ db }) => {
        const ids = [...Object.values(secretOf), everyKeySecretId].map(rawId);
        const events = await db
          .selectFrom('audit_events')
          .select(['target_id', 'action', 'outcome', 'changed_fields'])
          .where('target_id', 'in', ids)
          .execute();
        expect(events).toHaveLength(ids.length);
        for (const [key, id] of Object.entries(secretOf)) {
          expect(events.filter((event) => event.target_id === rawId(id))).toEqual([
            { target_id: rawId(id), action: 'secret.injected', outcome: 'DENIED', changed_fields: [key] },
          ]);
        }
        expect(events.find((event) => event.target_id === rawId(everyKeySecretId))).toMatchObject({
          outcome: 'DENIED',
          changed_fields: everyKey,
        });
        expect(findLeaks(rowHaystacks('audit_events', events), Object.values(attacks))).toEqual([]);
      });
    },
    SLOW,
  );

  test(
    'the child never inherits CLOAKROOM_*, DATABASE_URL, DATABASE_REPLICA_URL, REDIS_URL or DATA_DIR; other variables pass',
    async () => {
      const operatorEnv: Record<string, string> = {
        CLOAKROOM_MASTER_KEY: masterKey.toString('base64'),
        CLOAKROOM_CORS_ORIGINS: 'https://app.example.test',
        REDIS_URL: 'redis://:redis-password@127.0.0.1:1/0',
        KEEP_ME: 'kept',
        // Read by the CLI only on PostgreSQL; there it names the same server.
        ...(testDatabaseUrl && { DATABASE_REPLICA_URL: testDatabaseUrl }),
      };
      const keys = [
        'CLOAKROOM_MASTER_KEY',
        'CLOAKROOM_CORS_ORIGINS',
        'REDIS_URL',
        'DATABASE_URL',
        'DATABASE_REPLICA_URL',
        'DATA_DIR',
        'KEEP_ME',
      ];
      const result = await runHash(controlSecretId, 0, keys, operatorEnv);
      const expected = Object.fromEntries(keys.map((key) => [key, key === 'KEEP_ME' ? 'kept' : null]));
      expect(result).toEqual({ code: 0, signal: null, stdout: expectedHash(expected), stderr: '' });
      // The CLI itself did use them: it found the database through DATA_DIR or DATABASE_URL.
      expect(cliEnv.DATA_DIR ?? cliEnv.DATABASE_URL).toBeTruthy();
    },
    SLOW,
  );
});

describe('run refuses an EXPIRED secret (SECRET_EXPIRED)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cloakroom-cli-expired-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const value = `tok-${randomBytes(16).toString('hex')}`;
  let secretId: string;

  beforeAll(async () => {
    const { teamId, token } = bootstrapped();
    await withApp(async ({ app, db }) => {
      const input = {
        teamId,
        name: `cli-expiring-${randomUUID()}`,
        secretType: 'ENV' as const,
        credentials: { envVars: [{ key: 'API_TOKEN', value }] },
      };
      const result = (
        await executeOk(app, CreateSecret, { input: { ...input, expiresAt: new Date(Date.now() + 60_000).toISOString() } }, token)
      ).createSecret;
      if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
      secretId = result.secret.id;
      // The API refuses a past expiresAt: the test lets the expiry come by writing it directly.
      await db
        .updateTable('secrets')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', rawId(secretId))
        .execute();
    });
  }, SLOW);

  const runTouch = (marker: string) => cli(['run', '--secret', secretId, '--', 'sh', '-c', `touch ${marker}`]);

  test(
    'exit 1, the expiry on stderr (no value), nothing runs; one DENIED secret.injected naming the keys',
    async () => {
      const marker = join(workDir, 'marker-expired');
      const result = await runTouch(marker);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: This secret expired at \d{4}-\d\d-\d\dT[\d:.]+Z: set a later expiresAt/);
      expectNoValues(result, [value]);
      expect(existsSync(marker)).toBe(false);
      await withApp(async ({ db }) => {
        const events = await db
          .selectFrom('audit_events')
          .select(['action', 'outcome', 'changed_fields'])
          .where('target_id', '=', rawId(secretId))
          .where('action', '=', 'secret.injected')
          .execute();
        expect(events).toEqual([{ action: 'secret.injected', outcome: 'DENIED', changed_fields: ['API_TOKEN'] }]);
      });
    },
    SLOW,
  );

  test(
    'control: once a later expiresAt is set, the same run works (so the missing marker above means nothing ran)',
    async () => {
      await withApp(async ({ app }) => {
        const input = { id: secretId, expiresAt: new Date(Date.now() + 60 * 60_000).toISOString() };
        expect((await executeOk(app, UpdateSecret, { input }, bootstrapped().token)).updateSecret.__typename).toBe('UpdateSecretSuccess');
      });
      const marker = join(workDir, 'marker-revived');
      expect(await runTouch(marker)).toMatchObject({ code: 0, stdout: '', stderr: '' });
      expect(existsSync(marker)).toBe(true);
    },
    SLOW,
  );
});

describe('run --stage: staged, promoted and restored credentials decrypt to exactly the values sent', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cloakroom-cli-stages-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const first = { TOKEN: `tok-${randomBytes(16).toString('hex')}`, PEM: `-----BEGIN KEY-----\n${randomBytes(24).toString('base64')}\n` };
  const second = { TOKEN: `tok-${randomBytes(16).toString('hex')}`, PEM: `-----BEGIN KEY-----\n${randomBytes(24).toString('base64')}\n` };
  const liveKey = fixtures.accessKey();
  const stagedKey = fixtures.accessKey();
  const allValues = [...Object.values(first), ...Object.values(second), liveKey.secretAccessKey, stagedKey.secretAccessKey];
  const envVars = (values: Record<string, string>) => Object.entries(values).map(([key, value]) => ({ key, value }));
  let envSecretId: string;
  let s3SecretId: string;

  /** The API on the CLI's database (closed again before the next CLI run). */
  const asOwner = <T>(fn: (app: App) => Promise<T>) => withApp(({ app }) => fn(app));
  /** Fails the test unless the mutation succeeded. */
  const succeeded = (result: { __typename: string }) => {
    if (!result.__typename.endsWith('Success')) throw new Error(JSON.stringify(result));
  };

  beforeAll(async () => {
    const { teamId, token } = bootstrapped();
    await asOwner(async (app) => {
      const create = async (input: Partial<CreateSecretInput>) => {
        const result = (await executeOk(app, CreateSecret, { input: { teamId, name: `cli-stage-${randomUUID()}`, ...input } }, token))
          .createSecret;
        if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
        return result.secret.id;
      };
      envSecretId = await create({ secretType: 'ENV', credentials: { envVars: envVars(first) } });
      s3SecretId = await create({ secretType: 'S3', credentials: { accessKey: liveKey } });
      for (const [id, credentials] of [
        [envSecretId, { envVars: envVars(second) }],
        [s3SecretId, { accessKey: stagedKey }],
      ] as const)
        succeeded((await executeOk(app, RotateSecretStaged, { input: { id, credentials, stage: 'PENDING' } }, token)).rotateSecret);
    });
  }, SLOW);

  /** `cli run [--stage STAGE] --secret id -- node -e HASH_SCRIPT 0 ...keys` */
  const runStage = (secretId: string, stage: string | null, keys: string[]) =>
    cli(['run', '--secret', secretId, ...(stage ? ['--stage', stage] : []), '--', process.execPath, '-e', HASH_SCRIPT, '0', ...keys]);
  const ranWith = (values: Record<string, string>) => ({ code: 0, signal: null, stdout: expectedHash(values), stderr: '' });

  test(
    'rotate(PENDING): CURRENT still injects the first values, --stage PENDING the staged ones (storage secrets under their env var names); no PREVIOUS yet: exit 1, nothing runs',
    async () => {
      const current = await runStage(envSecretId, null, Object.keys(first));
      expect(current).toEqual(ranWith(first));
      const pending = await runStage(envSecretId, 'PENDING', Object.keys(second));
      expect(pending).toEqual(ranWith(second));
      const s3 = await runStage(s3SecretId, 'PENDING', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
      expect(s3).toEqual(ranWith({ AWS_ACCESS_KEY_ID: stagedKey.accessKeyId, AWS_SECRET_ACCESS_KEY: stagedKey.secretAccessKey }));
      const marker = join(workDir, 'marker-no-previous');
      const none = await cli(['run', '--secret', envSecretId, '--stage', 'PREVIOUS', '--', 'sh', '-c', `touch ${marker}`]);
      expect(none).toMatchObject({ code: 1, stdout: '' });
      expect(none.stderr).toMatch(/^error: This secret has no PREVIOUS version/);
      expect(existsSync(marker)).toBe(false);
      for (const result of [current, pending, s3, none]) expectNoValues(result, allValues);
    },
    SLOW,
  );

  test(
    'promoteSecretVersion: CURRENT now injects the staged values, --stage PREVIOUS the first ones; PENDING is gone',
    async () => {
      await asOwner(async (app) =>
        succeeded(
          (await executeOk(app, PromoteSecretVersion, { input: { id: envSecretId, version: 2 } }, bootstrapped().token))
            .promoteSecretVersion,
        ),
      );
      expect(await runStage(envSecretId, null, Object.keys(second))).toEqual(ranWith(second));
      expect(await runStage(envSecretId, 'PREVIOUS', Object.keys(first))).toEqual(ranWith(first));
      const pending = await runStage(envSecretId, 'PENDING', ['TOKEN']);
      expect(pending).toMatchObject({ code: 1, stdout: '' });
      expect(pending.stderr).toMatch(/^error: This secret has no PENDING version/);
    },
    SLOW,
  );

  test(
    'restoreSecretVersion(1): a new CURRENT version injecting exactly the first values; destroying PREVIOUS makes --stage PREVIOUS VERSION_DESTROYED, nothing runs',
    async () => {
      await asOwner(async (app) => {
        const restored = (await executeOk(app, RestoreSecretVersion, { input: { id: envSecretId, version: 1 } }, bootstrapped().token))
          .restoreSecretVersion;
        expect(restored).toMatchObject({ __typename: 'RestoreSecretVersionSuccess', secret: { currentVersion: 4, previousVersion: 2 } });
      });
      expect(await runStage(envSecretId, null, Object.keys(first))).toEqual(ranWith(first));
      expect(await runStage(envSecretId, 'PREVIOUS', Object.keys(second))).toEqual(ranWith(second));

      await asOwner(async (app) =>
        succeeded(
          (await executeOk(app, DestroySecretVersion, { input: { id: envSecretId, version: 2 } }, bootstrapped().token))
            .destroySecretVersion,
        ),
      );
      const marker = join(workDir, 'marker-destroyed');
      const destroyed = await cli(['run', '--secret', envSecretId, '--stage', 'PREVIOUS', '--', 'sh', '-c', `touch ${marker}`]);
      expect(destroyed).toMatchObject({ code: 1, stdout: '' });
      expect(destroyed.stderr).toMatch(/^error: Version 2 was destroyed/);
      expectNoValues(destroyed, allValues);
      expect(existsSync(marker)).toBe(false);
    },
    SLOW,
  );

  test(
    'an unknown --stage is a usage error (exit 2); nothing runs',
    async () => {
      const result = await cli([
        'run',
        '--secret',
        envSecretId,
        '--stage',
        'LATEST',
        '--',
        process.execPath,
        '-e',
        "console.log('COMMAND RAN')",
      ]);
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error: Invalid --stage/);
      expect(result.stderr).toContain('--stage CURRENT|PENDING|PREVIOUS');
    },
    SLOW,
  );
});

describe('remask', () => {
  test(
    'derives the previews migration 0010 masked anew from the payloads; exit 1 while one cannot be derived; idempotent',
    async () => {
      const { teamId, token } = bootstrapped();
      const value = `remask-${randomBytes(12).toString('hex')}`;
      const ids: Record<'readable' | 'damaged', string> = { readable: '', damaged: '' };
      const preview = async (app: App, id: string) => {
        const { node } = await executeOk(app, NodeById, { id }, token);
        return node?.__typename === 'Secret' ? node.credentialFields?.map((field) => field.maskedValue) : undefined;
      };
      await withApp(async ({ app, db }) => {
        for (const which of ['readable', 'damaged'] as const) {
          const input = {
            teamId,
            name: `remask-${randomUUID()}`,
            secretType: 'ENV' as const,
            credentials: { envVars: [{ key: 'TOKEN', value }] },
          };
          const result = (await executeOk(app, CreateSecret, { input }, token)).createSecret;
          if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
          ids[which] = result.secret.id;
        }
        // What the migration leaves: the fixed mask, marked stale; and one payload that is gone.
        const raw = Object.values(ids).map(rawId);
        await db
          .updateTable('secrets')
          .set({ previews_stale: true, credential_fields: JSON.stringify([{ name: 'TOKEN', envVar: 'TOKEN', maskedValue: '••••' }]) })
          .where('id', 'in', raw)
          .execute();
        await db.deleteFrom('secret_versions').where('secret_id', '=', rawId(ids.damaged)).execute();
      });

      const first = await cli(['remask']);
      expect(first).toMatchObject({ code: 1, stderr: '' });
      expect(JSON.parse(first.stdout)).toEqual({ remasked: 1, remaining: 1 });
      await withApp(async ({ app, db }) => {
        expect(await preview(app, ids.readable)).toEqual([`${value.slice(0, 4)}••••${value.slice(-3)}`]);
        expect(await preview(app, ids.damaged)).toEqual(['••••']);
        await db.deleteFrom('secrets').where('id', '=', rawId(ids.damaged)).execute();
      });
      const second = await cli(['remask']);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(second.stdout)).toEqual({ remasked: 0, remaining: 0 });
    },
    SLOW,
  );
});

describe('a secret scheduled for deletion: run refuses it (SECRET_DELETED); purge removes it once due', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'cloakroom-cli-deleted-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const value = `tok-${randomBytes(16).toString('hex')}`;
  /** Made through the API and scheduled for deletion (deleteSecret, default window). */
  const scheduleSecrets = (count: number) =>
    withApp(async ({ app }) => {
      const { teamId, token } = bootstrapped();
      const ids: string[] = [];
      for (let index = 0; index < count; index++) {
        const input = {
          teamId,
          name: `cli-deleted-${randomUUID()}`,
          secretType: 'ENV' as const,
          credentials: { envVars: [{ key: 'API_TOKEN', value }] },
        };
        const created = (await executeOk(app, CreateSecret, { input }, token)).createSecret;
        if (created.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(created));
        const deleted = (await executeOk(app, DeleteSecret, { input: { id: created.secret.id } }, token)).deleteSecret;
        if (deleted.__typename !== 'DeleteSecretSuccess') throw new Error(JSON.stringify(deleted));
        ids.push(created.secret.id);
      }
      return ids;
    });
  /** The API schedules purges days ahead: the test lets the window end by writing `purge_at` directly. */
  const makeDue = (db: Kysely<Database>, ids: string[]) =>
    db
      .updateTable('secrets')
      .set({ deleted_at: new Date(Date.now() - 8 * 86_400_000), purge_at: new Date(Date.now() - 1000) })
      .where('id', 'in', ids.map(rawId))
      .execute();
  const eventsOf = (db: Kysely<Database>, id: string, action: string) =>
    db
      .selectFrom('audit_events')
      .select(['action', 'outcome', 'changed_fields', 'actor_user_id', 'actor_token_id'])
      .where('target_id', '=', rawId(id))
      .where('action', '=', action)
      .execute();

  test(
    'run: exit 1, the deletion on stderr (no value), nothing runs; one DENIED secret.injected naming the keys',
    async () => {
      const [secretId] = await scheduleSecrets(1);
      const marker = join(workDir, 'marker-deleted');
      const result = await cli(['run', '--secret', secretId!, '--', 'sh', '-c', `touch ${marker}`]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: This secret is scheduled for deletion at \d{4}-\d\d-\d\dT[\d:.]+Z: restore it/);
      expectNoValues(result, [value]);
      expect(existsSync(marker)).toBe(false);
      await withApp(async ({ db }) => {
        expect(await eventsOf(db, secretId!, 'secret.injected')).toMatchObject([
          { action: 'secret.injected', outcome: 'DENIED', changed_fields: ['API_TOKEN'] },
        ]);
      });
    },
    SLOW,
  );

  test(
    'purge: prints {"purged"}, removes the due secret and its versions with one secret.purged event by the operator; leaves the one not due',
    async () => {
      const [due, notDue] = await scheduleSecrets(2);
      await withApp(({ db }) => makeDue(db, [due!]));
      const first = await cli(['purge']);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      const { purged } = JSON.parse(first.stdout) as { purged: number };
      // The embedded database is this file's alone; PostgreSQL is shared with other test files.
      if (testDatabaseUrl) expect(purged).toBeGreaterThanOrEqual(1);
      else expect(JSON.parse(first.stdout)).toEqual({ purged: 1 });
      await withApp(async ({ db }) => {
        expect(await db.selectFrom('secrets').select('id').where('id', '=', rawId(due!)).execute()).toEqual([]);
        expect(await db.selectFrom('secret_versions').select('version').where('secret_id', '=', rawId(due!)).execute()).toEqual([]);
        expect(await eventsOf(db, due!, 'secret.purged')).toEqual([
          { action: 'secret.purged', outcome: 'SUCCESS', changed_fields: [], actor_user_id: null, actor_token_id: null },
        ]);
        expect(await db.selectFrom('secrets').select('id').where('id', '=', rawId(notDue!)).execute()).toHaveLength(1);
      });
      if (!testDatabaseUrl) expect(JSON.parse((await cli(['purge'])).stdout)).toEqual({ purged: 0 });
    },
    SLOW,
  );

  test.runIf(testDatabaseUrl)(
    'two purge processes at once (PostgreSQL): each due secret purged once, one secret.purged event each',
    async () => {
      const ids = await scheduleSecrets(20);
      await withApp(({ db }) => makeDue(db, ids));
      const results = await Promise.all([cli(['purge']), cli(['purge'])]);
      for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
      const total = results.reduce((sum, result) => sum + (JSON.parse(result.stdout) as { purged: number }).purged, 0);
      expect(total).toBeGreaterThanOrEqual(ids.length);
      await withApp(async ({ db }) => {
        expect(await db.selectFrom('secrets').select('id').where('id', 'in', ids.map(rawId)).execute()).toEqual([]);
        for (const id of ids) expect(await eventsOf(db, id, 'secret.purged')).toHaveLength(1);
      });
    },
    SLOW,
  );
});
