import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants as osConstants } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, loadMasterKey, loadPreviousMasterKeys } from './config.ts';
import { createKeyring, DecryptionError } from './modules/crypto/envelope.ts';
import { rewrapDataKeys } from './modules/crypto/rewrap.service.ts';
import { remaskPreviews } from './modules/secret/remask.service.ts';
import { purgeDueSecrets } from './modules/secret/purge.service.ts';
import { injectableEnv } from './modules/secret/secret.service.ts';
import { isCloakroomConfigKey } from './modules/secret/reserved-env-keys.ts';
import { SECRET_VERSION_STAGES, type SecretVersionStage } from './modules/secret/secret.policy.ts';
import { verifyAuditChain } from './modules/audit/audit.service.ts';
import { AppError } from './errors.ts';
import { fromGlobalId, toGlobalId } from './graphql/global-id.ts';
import { openDatabase } from './database/open-database.ts';
import { bootstrapTeam, issueMemberToken } from './modules/team/team.service.ts';
import { email, role, teamName, tokenName } from './modules/team/team.rules.ts';
import { isMigrated, migrateToLatest } from '../db/migrate.ts';

const USAGE = `Usage: npm run --silent cli -- <command> [options]

Commands (each prints one JSON object on stdout):
  bootstrap --team NAME --email EMAIL
      Creates a team, its OWNER (found or created by email) and a token for them.
      → {"teamId","userId","token"}
  token --team TEAM_ID --email EMAIL --role OWNER|ADMIN|OPERATOR|VIEWER [--name NAME]
      A new token for the user, adding them to the team with ROLE if they are not a member.
      → {"userId","token"}
  migrate
      Applies pending database migrations. → {"applied":[...]}
  audit-verify --team TEAM_ID
      Recomputes the team's hash-chained audit trail. → {"teamId","events","ok","firstBrokenEventId"}
      Exits 1 when the chain is broken (a row was edited, removed or reordered).
  run --secret SECRET_ID [--stage CURRENT|PENDING|PREVIOUS] -- COMMAND [ARGS...]
      Runs COMMAND with the secret's env vars set (NATIVE secrets only) and exits with its
      code. --stage injects the version holding that stage instead of CURRENT (exit 1 when the
      secret has none, or when that version was destroyed: VERSION_DESTROYED). Prints nothing of its own: values reach the child process only. Needs the
      database and the master key (CLOAKROOM_MASTER_KEY, or DATA_DIR/master.key embedded).
      The child never inherits CLOAKROOM_*, DATABASE_URL, DATABASE_REPLICA_URL, REDIS_URL or
      DATA_DIR; a secret holding a reserved key (PATH, LD_PRELOAD, …) is refused, nothing runs;
      so is an EXPIRED one (SECRET_EXPIRED) and one scheduled for deletion (SECRET_DELETED).
  rewrap
      After a master key rotation: re-wraps every data key under the current master key
      (CLOAKROOM_MASTER_KEY), unwrapping with CLOAKROOM_PREVIOUS_MASTER_KEYS; payloads are not
      touched. Batched and resumable; safe while servers run. → {"rewrapped","remaining","currentKeyId"}
      Exits 1 when some rows are wrapped by a master key the keyring lacks (it names their key ids).
  purge
      Removes the secrets whose recovery window has ended (deleteSecret scheduled them; purgeAt
      has come) with all their versions, one secret.purged audit event each (servers also do it
      every CLOAKROOM_PURGE_INTERVAL_MS). Safe while servers and other purges run. → {"purged"}
  remask
      Derives the masked previews that a migration replaced by •••• anew from the sealed payloads
      (servers also do it at start). Batched, idempotent; safe while servers run. → {"remasked","remaining"}
      Exits 1 when some previews could not be derived (a payload the keyring cannot open).

Uses DATABASE_URL when set, else the embedded database in DATA_DIR (default ./.data).`;

/** A mistake in how the command was called: usage goes to stderr, exit code 2. */
class UsageError extends Error {}

function required<T>(schema: z.ZodType<T>, value: string | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`Missing --${flag}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`Invalid --${flag}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`);
  return parsed.data;
}

async function run(argv: string[]): Promise<unknown> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') throw new UsageError('');
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      team: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      secret: { type: 'string' },
      stage: { type: 'string' },
    },
    allowPositionals: command === 'run',
    strict: true,
  });
  if (!['bootstrap', 'token', 'migrate', 'run', 'audit-verify', 'rewrap', 'remask', 'purge'].includes(command))
    throw new UsageError(`Unknown command "${command}"`);
  if (command === 'run') {
    const secretId = fromGlobalId(required(z.string(), values.secret, 'secret'), 'Secret');
    if (!positionals.length) throw new UsageError('Give the command to run after "--"');
    const stage = values.stage === undefined ? 'CURRENT' : required(z.enum(SECRET_VERSION_STAGES), values.stage, 'stage');
    return runWithSecret(secretId, stage, positionals);
  }

  const config = loadConfig();
  // Keys are read (and a bad one refused) before the database is opened.
  const keyring = command === 'rewrap' || command === 'remask' ? createKeyring(loadMasterKey(config), loadPreviousMasterKeys()) : undefined;
  const { db, close } = await openDatabase(config);
  try {
    const applied = await migrateToLatest(db);
    switch (command) {
      case 'bootstrap': {
        const input = { teamName: required(teamName, values.team, 'team'), email: required(email, values.email, 'email') };
        const { team, user, token } = await bootstrapTeam(db, input);
        return { teamId: toGlobalId('Team', team.id), userId: toGlobalId('User', user.id), token };
      }
      case 'token': {
        const teamId = fromGlobalId(required(z.string(), values.team, 'team'), 'Team');
        const input = {
          teamId,
          email: required(email, values.email, 'email'),
          role: required(role, values.role, 'role'),
          tokenName: values.name === undefined ? 'cli' : required(tokenName, values.name, 'name'),
        };
        const { user, token } = await issueMemberToken(db, input);
        return { userId: toGlobalId('User', user.id), token };
      }
      case 'audit-verify': {
        const teamGlobalId = required(z.string(), values.team, 'team');
        const verdict = await verifyAuditChain(db, fromGlobalId(teamGlobalId, 'Team'));
        if (!verdict.ok) process.exitCode = 1;
        return {
          teamId: teamGlobalId,
          ...verdict,
          firstBrokenEventId: verdict.firstBrokenEventId && toGlobalId('AuditEvent', verdict.firstBrokenEventId),
        };
      }
      case 'rewrap':
        return await rewrapDataKeys(db, keyring!);
      case 'purge':
        return await purgeDueSecrets(db);
      case 'remask': {
        const result = await remaskPreviews(db, keyring!);
        if (result.remaining) process.exitCode = 1;
        return result;
      }
      default:
        return { applied };
    }
  } finally {
    await close();
  }
}

/** Exit code of `cli run`: the child's own, or 128 + signal number as shells report it. */
const RAN_CHILD = Symbol('ran child');

async function runWithSecret(secretId: string, stage: SecretVersionStage, command: string[]): Promise<typeof RAN_CHILD> {
  const config = loadConfig();
  const keyring = createKeyring(loadMasterKey(config), loadPreviousMasterKeys());
  const { db, close } = await openDatabase(config);
  let env: Record<string, string>;
  try {
    // Migrated already (the usual case): no migration file is loaded, one statement checks.
    if (!(await isMigrated(db))) await migrateToLatest(db);
    env = await injectableEnv(db, keyring, secretId, stage);
  } finally {
    await close();
  }
  // The child gets this secret's values, never cloakroom's own configuration: the master keys
  // that open every other secret, the database and Redis URLs (with their passwords), DATA_DIR.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !isCloakroomConfigKey(key)));
  const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...inherited, ...env } });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
  return RAN_CHILD;
}

run(process.argv.slice(2)).then(
  (output) => {
    if (output !== RAN_CHILD) process.stdout.write(`${JSON.stringify(output)}\n`);
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      if (error.message) console.error(`error: ${error.message}\n`);
      console.error(USAGE);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof AppError) {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
    } else if (error instanceof DecryptionError && error.reason === 'UNKNOWN_MASTER_KEY') {
      console.error(
        `error: ${error.message}. After a master key rotation, set CLOAKROOM_PREVIOUS_MASTER_KEYS to the old key until \`cli rewrap\` has run.`,
      );
      process.exitCode = 1;
    } else {
      console.error('error:', error);
      process.exitCode = 1;
    }
  },
);
