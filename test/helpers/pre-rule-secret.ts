import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/database/database.ts';
import { toGlobalId } from '../../src/graphql/global-id.ts';
import type { MasterKeyring } from '../../src/modules/crypto/envelope.ts';
import { sealCredentials } from '../../src/modules/secret/secret-payload.ts';
import { insertSecret, insertSecretVersion } from '../../src/modules/secret/secret.repository.ts';
import { maskValue } from '../../src/modules/secret/credential-masking.ts';

/**
 * An ENV secret stored the way createSecret stored one before RESERVED_ENV_KEY existed: through
 * the repository, past the service's rules (the rows are what they would have been). For
 * proving that what was stored before a rule is still refused where it matters. Returns its global id.
 */
export async function storePreRuleEnvSecret(
  db: Kysely<Database>,
  keyring: MasterKeyring,
  teamId: string,
  pairs: Record<string, string>,
  name = `pre-rule-${randomUUID()}`,
): Promise<string> {
  const id = randomUUID();
  const values = Object.entries(pairs).map(([key, value]) => ({ name: key, value }));
  const previews = JSON.stringify(values.map(({ name: key, value }) => ({ name: key, envVar: key, maskedValue: maskValue(value) })));
  await db.transaction().execute(async (trx) => {
    await insertSecret(trx, {
      id,
      team_id: teamId,
      name,
      description: null,
      secret_type: 'ENV',
      auth_method: 'ENV_VARS',
      storage: 'NATIVE',
      credential_fields: previews,
      payload_version: 1,
      field_mappings: null,
      vault_connection_id: null,
      created_by: null,
      updated_by: null,
    });
    await insertSecretVersion(trx, {
      secret_id: id,
      version: 1,
      reason: 'CREATE',
      auth_method: 'ENV_VARS',
      credential_fields: previews,
      ...sealCredentials(keyring, values, { teamId, secretId: id, version: 1 }),
      created_by: null,
    });
  });
  return toGlobalId('Secret', id);
}
