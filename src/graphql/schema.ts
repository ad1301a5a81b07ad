import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './errors.schema.ts';
import '../modules/auth/auth.schema.ts';
import '../modules/team/team.schema.ts';
import '../modules/vault-connection/vault-connection.schema.ts';
import '../modules/secret/secret.schema.ts';
import '../modules/location/location.schema.ts';
import '../modules/workspace/workspace.schema.ts';
import '../modules/audit/audit.schema.ts';
import '../modules/events/events.schema.ts';
import '../modules/webhook/webhook.schema.ts';
import '../modules/verification/verification.schema.ts';

/** The executable schema: every module has registered its types on the builder above. */
export const schema = builder.toSchema();

/** The SDL committed as `schema.graphql`, sorted so that diffs show real changes only. */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
