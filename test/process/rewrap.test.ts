import { runCli } from '../helpers/cli-process.ts';
/**
 * Master key rotation as an operator does it, with real CLI processes (`node src/cli.ts …`, as
 * `npm run --silent cli -- …` runs it): data written under key A; `cli rewrap` with
 * CLOAKROOM_MASTER_KEY=B and CLOAKROOM_PREVIOUS_MASTER_KEYS=A; then `cli run` with B alone.
 * On PGlite the database is a file DATA_DIR (its master.key written here, holding A); on
 * PostgreSQL a database of this file's own, since rewrap acts on every row of the database.
 * The embedded database allows one process at a time, so the test opens its own handle only
 * between CLI runs (`withApp`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { writePrivateFile } from '../../src/config.ts';
import type { Database } from '../../src/database/database.ts';
import { keyId } from '../../src/modules/crypto/envelope.ts';
import type { CreateSecretInput } from '../gql/graphql.ts';
import { createTeamWithOwner, executeOk } from '../helpers/app.ts';
import { CreateSecret, CreateVaultConnection } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';
import { withInProcessApp } from '../helpers/in-process-app.ts';
import { createIsolatedPostgresDatabase } from '../helpers/isolated-database.ts';

/** Generous: a PGlite data directory takes seconds to open on a busy machine. */
const SLOW = 120_000;

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyC = randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');
/** Every spelling of every master key: none may appear on the CLI's stdout or stderr. */
const keySpellings = [keyA, keyB, keyC].flatMap((key) => [key.toString('base64'), key.toString('hex'), key.toString('base64url')]);

const dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-rewrap-test-'));
let isolated: Awaited<ReturnType<typeof createIsolatedPostgresDatabase>>;
/** Where the CLI finds the database: an isolated PostgreSQL database, or DATA_DIR (whose master.key holds A). */
let cliEnv: Record<string, string>;

beforeAll(async () => {
  isolated = await createIsolatedPostgresDatabase();
  if (isolated) {
    cliEnv = { DATABASE_URL: isolated.databaseUrl };
  } else {
    cliEnv = { DATA_DIR: dataDir };
    writePrivateFile(join(dataDir, 'master.key'), `${b64(keyA)}\n`);
  }
});
afterAll(async () => {
  await isolated?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI on this file's database with `env`, failing the test if any master key shows in its output. */
async function cli(args: string[], env: Record<string, string>) {
  const result = await runCli(args, { ...cliEnv, ...env }, SLOW - 5_000);
  for (const spelling of keySpellings) {
    if (result.stdout.includes(spelling) || result.stderr.includes(spelling))
      throw new Error(`a master key appeared in the output of cli ${args[0]}`);
  }
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}

/** The master keys as an operator sets them: CLOAKROOM_MASTER_KEY and CLOAKROOM_PREVIOUS_MASTER_KEYS. */
const keys = (current: Buffer, previous: Buffer[] = []): Record<string, string> => ({
  CLOAKROOM_MASTER_KEY: b64(current),
  ...(previous.length && { CLOAKROOM_PREVIOUS_MASTER_KEYS: previous.map(b64).join(',') }),
});

/** The API and the database in this process, under key A; closed (lock released) before returning. */
const withApp = <T>(fn: (env: { app: App; db: Kysely<Database> }) => Promise<T>) =>
  withInProcessApp({ databaseUrl: isolated?.databaseUrl, dataDir, masterKey: keyA }, fn);

/** The child `cli run` starts: prints a SHA-256 of the listed env vars (name and value, null when unset). */
const HASH_SCRIPT = [
  "const { createHash } = require('node:crypto');",
  'const keys = process.argv.slice(1);',
  'const seen = JSON.stringify(keys.map((key) => [key, process.env[key] ?? null]));',
  "process.stdout.write(createHash('sha256').update(seen).digest('hex') + '\\n');",
].join('\n');

function expectedHash(env: Record<string, string | null>): string {
  return `${createHash('sha256')
    .update(JSON.stringify(Object.entries(env)))
    .digest('hex')}\n`;
}

const runHash = (secretId: string, names: string[], env: Record<string, string>) =>
  cli(['run', '--secret', secretId, '--', process.execPath, '-e', HASH_SCRIPT, ...names], env);

const masterKeyIds = (db: Kysely<Database>) =>
  Promise.all([
    db.selectFrom('secret_versions').select('master_key_id').where('master_key_id', 'is not', null).execute(),
    db.selectFrom('vault_connections').select('master_key_id').execute(),
  ]).then(([versions, vaults]) => [...versions, ...vaults].map((row) => row.master_key_id).sort());

describe('master key rotation: cli rewrap, then cli run on the new key alone', () => {
  const envValues = { API_TOKEN: `tok-${randomBytes(16).toString('hex')}`, REGION: 'eu-west-1' };
  const expected = expectedHash({ ...envValues, CLOAKROOM_MASTER_KEY: null, CLOAKROOM_PREVIOUS_MASTER_KEYS: null });
  const names = [...Object.keys(envValues), 'CLOAKROOM_MASTER_KEY', 'CLOAKROOM_PREVIOUS_MASTER_KEYS'];
  let envSecretId: string;

  beforeAll(async () => {
    await withApp(async ({ app, db }) => {
      const team = await createTeamWithOwner(db);
      const create = async (input: Partial<CreateSecretInput>) => {
        const result = (
          await executeOk(app, CreateSecret, { input: { teamId: team.teamId, name: `rewrap-${randomUUID()}`, ...input } }, team.ownerToken)
        ).createSecret;
        if (result.__typename !== 'CreateSecretSuccess') throw new Error(JSON.stringify(result));
        return result.secret.id;
      };
      envSecretId = await create({
        secretType: 'ENV',
        credentials: { envVars: Object.entries(envValues).map(([key, value]) => ({ key, value })) },
      });
      await create({ secretType: 'S3', credentials: { accessKey: fixtures.accessKey() } });
      const vault = await executeOk(
        app,
        CreateVaultConnection,
        {
          input: {
            teamId: team.teamId,
            name: `vault-${randomUUID()}`,
            vaultType: 'ONEPASSWORD',
            credentials: { onePassword: { accessToken: `ops_${randomBytes(16).toString('hex')}` } },
          },
        },
        team.ownerToken,
      );
      if (vault.createVaultConnection.__typename !== 'CreateVaultConnectionSuccess') throw new Error(JSON.stringify(vault));
      expect(await masterKeyIds(db)).toEqual([keyId(keyA), keyId(keyA), keyId(keyA)]);
    });
  }, SLOW);

  test(
    'step 1 (new key B, A as previous): `cli run` reads the A payloads; neither key variable reaches the child; B alone cannot',
    async () => {
      const rotated = await runHash(envSecretId, names, keys(keyB, [keyA]));
      expect(rotated).toEqual({ code: 0, stdout: expected, stderr: '' });

      const onlyB = await runHash(envSecretId, names, keys(keyB));
      expect(onlyB).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: No master key with id ${keyId(keyA)} in the keyring. After a master key rotation, set CLOAKROOM_PREVIOUS_MASTER_KEYS to the old key until \`cli rewrap\` has run.\n`,
      });
    },
    SLOW,
  );

  test(
    'a bad CLOAKROOM_PREVIOUS_MASTER_KEYS: exit 1, names the variable and the entry, echoes nothing',
    async () => {
      const bad = randomBytes(20).toString('base64');
      const result = await cli(['rewrap'], { ...keys(keyB), CLOAKROOM_PREVIOUS_MASTER_KEYS: `${b64(keyA)},${bad}` });
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'error: CLOAKROOM_PREVIOUS_MASTER_KEYS (entry 2) must be base64 of exactly 32 bytes (got 20 bytes). Generate one with: openssl rand -base64 32\n',
      });
      expect(result.stderr).not.toContain(bad);
    },
    SLOW,
  );

  test(
    'rewrap without the key the rows need: exit 1, names its key id and row count, changes nothing',
    async () => {
      const result = await cli(['rewrap'], keys(keyC, [keyB]));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^error: rewrap incomplete: re-wrapped 0 data keys, 3 rows remain\./);
      expect(result.stderr).toContain(`3 rows are wrapped by master keys not in the keyring: ${keyId(keyA)} (3 rows)`);
      await withApp(async ({ db }) => expect(await masterKeyIds(db)).toEqual([keyId(keyA), keyId(keyA), keyId(keyA)]));
    },
    SLOW,
  );

  test(
    'step 2: `cli rewrap` with B and previous A prints {"rewrapped":3,"remaining":0,"currentKeyId"}; a second run has nothing to do',
    async () => {
      const result = await cli(['rewrap'], keys(keyB, [keyA]));
      expect(result).toEqual({
        code: 0,
        stdout: `${JSON.stringify({ rewrapped: 3, remaining: 0, currentKeyId: keyId(keyB) })}\n`,
        stderr: '',
      });

      const again = await cli(['rewrap'], keys(keyB, [keyA]));
      expect(again).toEqual({
        code: 0,
        stdout: `${JSON.stringify({ rewrapped: 0, remaining: 0, currentKeyId: keyId(keyB) })}\n`,
        stderr: '',
      });
      await withApp(async ({ db }) => expect(await masterKeyIds(db)).toEqual([keyId(keyB), keyId(keyB), keyId(keyB)]));
    },
    SLOW,
  );

  test(
    'step 3 (A retired): `cli run` with B alone injects the right values',
    async () => {
      expect(await runHash(envSecretId, names, keys(keyB))).toEqual({ code: 0, stdout: expected, stderr: '' });
      if (!isolated) {
        // Embedded: B written into DATA_DIR/master.key, the variable no longer needed.
        writePrivateFile(join(dataDir, 'master.key'), `${b64(keyB)}\n`);
        expect(await runHash(envSecretId, names, {})).toEqual({ code: 0, stdout: expected, stderr: '' });
      }
    },
    SLOW,
  );
});
