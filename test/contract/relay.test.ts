import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, print } from 'graphql';
import { afterEach, describe, expect, test } from 'vitest';

/**
 * The contract with Relay clients (issue 14): relay-compiler 21 compiles the documents in
 * relay-documents/ against the committed schema.graphql. They use what a Relay app needs of the
 * API: `@connection` pagination, `@refetchable` fragments (the type must implement Node),
 * `@appendEdge`/`@prependEdge` on a create's edge and `@deleteRecord` on a delete's id. The
 * documents are .graphql files, outside codegen.ts's `test/**\/*.ts` (its client preset would
 * refuse Relay's directives); each run wraps them in `graphql` tags in a directory of its own.
 */

const relayBinary = createRequire(import.meta.url)('relay-compiler') as string | null;
const documentsDir = join(import.meta.dirname, 'relay-documents');
const schemaFile = join(import.meta.dirname, '..', '..', 'schema.graphql');

const workDirs: string[] = [];
afterEach(() => {
  for (const dir of workDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Each fixture as a JavaScript module of `graphql` tags, one definition per tag (Relay's rule), named after its file (Relay's naming rule). */
function modulesOf(extra: Record<string, string>): Record<string, string> {
  const sources = Object.fromEntries(
    readdirSync(documentsDir)
      .filter((file) => file.endsWith('.graphql'))
      .map((file) => [file.replace(/\.graphql$/, ''), readFileSync(join(documentsDir, file), 'utf8')]),
  );
  return Object.fromEntries(
    Object.entries({ ...sources, ...extra }).map(([module, source]) => [
      module,
      parse(source)
        .definitions.map((definition) => `graphql\`${print(definition)}\`;`)
        .join('\n'),
    ]),
  );
}

/** Runs relay-compiler on the fixtures (and `extra` modules) in a fresh directory: its exit code and output. */
async function compile(extra: Record<string, string> = {}): Promise<{ code: number; output: string; artifacts: string[] }> {
  if (!relayBinary) throw new Error(`relay-compiler ships no binary for ${process.platform}/${process.arch}`);
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-relay-'));
  workDirs.push(dir);
  mkdirSync(join(dir, 'src'));
  cpSync(schemaFile, join(dir, 'schema.graphql'));
  for (const [module, code] of Object.entries(modulesOf(extra))) writeFileSync(join(dir, 'src', `${module}.js`), code);
  writeFileSync(join(dir, 'relay.config.json'), JSON.stringify({ src: './src', schema: './schema.graphql', language: 'javascript' }));
  try {
    const { stdout, stderr } = await promisify(execFile)(relayBinary, [], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, output: stdout + stderr, artifacts: readdirSync(join(dir, 'src', '__generated__')).sort() };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr, artifacts: [] };
  }
}

describe('relay-compiler 21 against schema.graphql', () => {
  test('compiles @connection, @refetchable, @appendEdge, @prependEdge and @deleteRecord documents', async () => {
    const { code, output, artifacts } = await compile();
    expect(code, output).toBe(0);
    // One artifact per operation and fragment, and one per refetch query Relay derived through node(id).
    expect(artifacts).toEqual(
      [
        'CreateSecretMutation',
        'DeleteSecretMutation',
        'SecretDetailsRefetchQuery',
        'SecretDetails_secret',
        'TeamSecretsListPaginationQuery',
        'TeamSecretsListQuery',
        'TeamSecretsList_team',
        'ViewerTokensCreateMutation',
        'ViewerTokensQuery',
        'ViewerTokensRefetchQuery',
        'ViewerTokens_viewer',
      ].map((name) => `${name}.graphql.js`),
    );
  });

  test('fails on a field the schema does not have (so the check above can fail)', async () => {
    const { code, output } = await compile({ Broken: 'query BrokenQuery { viewer { id notAField } }' });
    expect(code).not.toBe(0);
    expect(output).toContain('notAField');
  });

  test('fails on @refetchable over a type that is not a Node', async () => {
    const { code, output } = await compile({
      NotNode: 'fragment NotNode_field on CredentialField @refetchable(queryName: "NotNodeRefetchQuery") { name }',
    });
    expect(code).not.toBe(0);
    expect(output).toContain('NotNode_field');
  });
});
