import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../errors.ts';
import {
  AWS,
  AZURE_KEY,
  B2,
  DO_SPACES,
  ENV_PAIRS,
  only,
  R2,
  SAS_URL,
  serviceAccount,
  VALID,
} from '../../../test/helpers/credential-examples.ts';
import {
  checkEnvKey,
  credentialValues,
  CredentialErrorCode,
  ENV_VALUE_MAX_LENGTH,
  ENV_VARS_MAX_COUNT,
  validateCredentials,
} from './credential-checks.ts';
import { AUTH_METHODS, credentialFieldsFor, type AuthMethod, type CredentialsInput } from './provider-catalogue.ts';

const codes = (errors: FieldError[]) => errors.map((error) => error.code);

describe('validateCredentials: valid realistic credentials', () => {
  it.each(AUTH_METHODS)('accepts %s', (method) => {
    expect(validateCredentials(method, VALID[method])).toEqual([]);
  });

  it('accepts more provider shapes', () => {
    expect(validateCredentials('R2_ACCESS_KEY', { accessKey: R2 })).toEqual([]);
    expect(validateCredentials('DIGITALOCEAN_SPACES_ACCESS_KEY', { accessKey: DO_SPACES })).toEqual([]);
    expect(
      validateCredentials('AZURE_ACCOUNT_KEY', { azureAccountKey: { accountName: 'abc', accountKey: randomBytes(32).toString('base64') } }),
    ).toEqual([]);
    // A key file pasted with its trailing newline.
    expect(validateCredentials('GCS_SERVICE_ACCOUNT', { gcsServiceAccount: { serviceAccountJson: `${serviceAccount()}\n` } })).toEqual([]);
    // B2 master key id (12 hex chars).
    expect(validateCredentials('B2_APPLICATION_KEY', { b2ApplicationKey: { ...B2, applicationKeyId: '0123456789ab' } })).toEqual([]);
    expect(validateCredentials('ENV_VARS', { envVars: [{ key: 'A', value: 'x'.repeat(ENV_VALUE_MAX_LENGTH) }] })).toEqual([]);
  });
});

describe('validateCredentials: the @oneOf member', () => {
  it('requires a member', () => {
    expect(only(validateCredentials('S3_ACCESS_KEY', {}))).toMatchObject({ path: [], code: 'REQUIRED' });
    expect(only(validateCredentials('S3_ACCESS_KEY', { accessKey: null, envVars: null }))).toMatchObject({ path: [], code: 'REQUIRED' });
  });

  it('refuses more than one member', () => {
    const error = only(validateCredentials('S3_ACCESS_KEY', { accessKey: AWS, b2ApplicationKey: B2 }));
    expect(error).toMatchObject({ path: [], code: 'MULTIPLE_CREDENTIAL_MEMBERS' });
  });

  it("refuses a member that is not the auth method's", () => {
    expect(only(validateCredentials('AZURE_SAS_URL', { azureAccountKey: AZURE_KEY }))).toMatchObject({
      path: ['azureAccountKey'],
      code: 'CREDENTIALS_MISMATCH_AUTH_METHOD',
    });
    expect(only(validateCredentials('ENV_VARS', { accessKey: AWS }))).toMatchObject({
      path: ['accessKey'],
      code: 'CREDENTIALS_MISMATCH_AUTH_METHOD',
    });
    expect(only(validateCredentials('GCS_SERVICE_ACCOUNT', { envVars: ENV_PAIRS })).message).toContain('gcsServiceAccount');
  });
});

type Case = [label: string, method: AuthMethod, input: CredentialsInput, path: string[], code: CredentialErrorCode];
const ak = (accessKeyId: string, secretAccessKey = AWS.secretAccessKey): CredentialsInput => ({
  accessKey: { accessKeyId, secretAccessKey },
});
const sk = (secretAccessKey: string): CredentialsInput => ({ accessKey: { accessKeyId: AWS.accessKeyId, secretAccessKey } });
const az = (accountName: string, accountKey = AZURE_KEY.accountKey): CredentialsInput => ({ azureAccountKey: { accountName, accountKey } });
const azKey = (accountKey: string): CredentialsInput => ({ azureAccountKey: { accountName: AZURE_KEY.accountName, accountKey } });
const sas = (sasUrl: string): CredentialsInput => ({ azureSasUrl: { sasUrl } });
const gcs = (serviceAccountJson: string): CredentialsInput => ({ gcsServiceAccount: { serviceAccountJson } });
const b2 = (applicationKeyId: string, applicationKey = B2.applicationKey): CredentialsInput => ({
  b2ApplicationKey: { applicationKeyId, applicationKey },
});
const b2Key = (applicationKey: string): CredentialsInput => ({
  b2ApplicationKey: { applicationKeyId: B2.applicationKeyId, applicationKey },
});
const AKID = ['accessKey', 'accessKeyId'];
const SAK = ['accessKey', 'secretAccessKey'];
const SAS = ['azureSasUrl', 'sasUrl'];
const SA_JSON = ['gcsServiceAccount', 'serviceAccountJson'];

const FIELD_CASES: Case[] = [
  ['empty access key id', 'S3_ACCESS_KEY', ak(''), AKID, 'REQUIRED'],
  ['blank access key id', 'R2_ACCESS_KEY', ak('   '), AKID, 'REQUIRED'],
  ['missing access key id', 'S3_ACCESS_KEY', { accessKey: { secretAccessKey: AWS.secretAccessKey } as never }, AKID, 'REQUIRED'],
  ['access key id with a trailing space', 'S3_ACCESS_KEY', ak(`${AWS.accessKeyId} `), AKID, 'SURROUNDING_WHITESPACE'],
  ['access key id with a leading newline', 'WASABI_ACCESS_KEY', ak(`\n${AWS.accessKeyId}`), AKID, 'SURROUNDING_WHITESPACE'],
  ['short access key id', 'S3_ACCESS_KEY', ak('AKIA1234'), AKID, 'TOO_SHORT'],
  ['long access key id', 'S3_ACCESS_KEY', ak('A'.repeat(129)), AKID, 'TOO_LONG'],
  ['access key id with punctuation', 'HETZNER_ACCESS_KEY', ak('AKIA/IOSFODNN7EXAMPLE'), AKID, 'INVALID_FORMAT'],
  ['access key id with an inner space', 'S3_ACCESS_KEY', ak('AKIAIOSF ODNN7EXAMPLE'), AKID, 'INVALID_FORMAT'],
  ['empty secret access key', 'S3_ACCESS_KEY', sk(''), SAK, 'REQUIRED'],
  ['short secret access key', 'DIGITALOCEAN_SPACES_ACCESS_KEY', sk('abc123'), SAK, 'TOO_SHORT'],
  ['long secret access key', 'S3_ACCESS_KEY', sk('x'.repeat(129)), SAK, 'TOO_LONG'],
  ['secret access key with a space', 'S3_ACCESS_KEY', sk('wJalrXUtnFEMI K7MDENG/bPxRfiCYEXAMPLEKEY'), SAK, 'INVALID_FORMAT'],
  ['secret access key with non-ASCII', 'S3_ACCESS_KEY', sk('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEé'), SAK, 'INVALID_FORMAT'],
  [
    'S3-compatible access key id under 3',
    'S3_COMPATIBLE_ACCESS_KEY',
    { accessKey: { accessKeyId: 'ab', secretAccessKey: 'minioadmin' } },
    AKID,
    'TOO_SHORT',
  ],
  [
    'S3-compatible secret under 8',
    'S3_COMPATIBLE_ACCESS_KEY',
    { accessKey: { accessKeyId: 'minio', secretAccessKey: 'short' } },
    SAK,
    'TOO_SHORT',
  ],
  ['empty account name', 'AZURE_ACCOUNT_KEY', az(''), ['azureAccountKey', 'accountName'], 'REQUIRED'],
  ['account name too short', 'AZURE_ACCOUNT_KEY', az('ab'), ['azureAccountKey', 'accountName'], 'TOO_SHORT'],
  ['account name too long', 'AZURE_ACCOUNT_KEY', az('a'.repeat(25)), ['azureAccountKey', 'accountName'], 'TOO_LONG'],
  ['account name with capitals', 'AZURE_ACCOUNT_KEY', az('MyStorage'), ['azureAccountKey', 'accountName'], 'INVALID_FORMAT'],
  ['account name with a dash', 'AZURE_ACCOUNT_KEY', az('my-storage'), ['azureAccountKey', 'accountName'], 'INVALID_FORMAT'],
  ['account key not base64', 'AZURE_ACCOUNT_KEY', azKey('not base64 at all!'), ['azureAccountKey', 'accountKey'], 'INVALID_BASE64'],
  ['account key with bad characters', 'AZURE_ACCOUNT_KEY', azKey('abc$def%ghi^jkl&'), ['azureAccountKey', 'accountKey'], 'INVALID_BASE64'],
  [
    'account key with bad padding',
    'AZURE_ACCOUNT_KEY',
    azKey(`${AZURE_KEY.accountKey}=`),
    ['azureAccountKey', 'accountKey'],
    'INVALID_BASE64',
  ],
  [
    'account key of 16 bytes',
    'AZURE_ACCOUNT_KEY',
    azKey(randomBytes(16).toString('base64')),
    ['azureAccountKey', 'accountKey'],
    'TOO_SHORT',
  ],
  ['account key too long', 'AZURE_ACCOUNT_KEY', azKey('A'.repeat(516)), ['azureAccountKey', 'accountKey'], 'TOO_LONG'],
  ['empty SAS URL', 'AZURE_SAS_URL', sas(''), SAS, 'REQUIRED'],
  ['SAS URL that does not parse', 'AZURE_SAS_URL', sas('acct.blob.core.windows.net/c?sig=abc'), SAS, 'INVALID_URL'],
  ['http SAS URL', 'AZURE_SAS_URL', sas('http://acct.blob.core.windows.net/c?sv=2022-11-02&sig=abc%3D'), SAS, 'NOT_HTTPS'],
  ['SAS URL without sig', 'AZURE_SAS_URL', sas('https://acct.blob.core.windows.net/c?sv=2022-11-02'), SAS, 'MISSING_SIGNATURE'],
  ['SAS URL with an empty sig', 'AZURE_SAS_URL', sas('https://acct.blob.core.windows.net/c?sv=2022-11-02&sig='), SAS, 'MISSING_SIGNATURE'],
  ['SAS URL too long', 'AZURE_SAS_URL', sas(`${SAS_URL}&x=${'a'.repeat(5000)}`), SAS, 'TOO_LONG'],
  ['empty service account JSON', 'GCS_SERVICE_ACCOUNT', gcs(''), SA_JSON, 'REQUIRED'],
  ['service account JSON that does not parse', 'GCS_SERVICE_ACCOUNT', gcs('{"type": "service_account",'), SA_JSON, 'INVALID_JSON'],
  ['service account JSON that is an array', 'GCS_SERVICE_ACCOUNT', gcs('[1, 2]'), SA_JSON, 'INVALID_JSON'],
  ['service account JSON that is a string', 'GCS_SERVICE_ACCOUNT', gcs('"service_account"'), SA_JSON, 'INVALID_JSON'],
  [
    'service account of another type',
    'GCS_SERVICE_ACCOUNT',
    gcs(serviceAccount({ type: 'authorized_user' })),
    SA_JSON,
    'INVALID_SERVICE_ACCOUNT',
  ],
  [
    'service account without client_email',
    'GCS_SERVICE_ACCOUNT',
    gcs(serviceAccount({ client_email: undefined })),
    SA_JSON,
    'INVALID_SERVICE_ACCOUNT',
  ],
  [
    'service account with a bad client_email',
    'GCS_SERVICE_ACCOUNT',
    gcs(serviceAccount({ client_email: 'loader' })),
    SA_JSON,
    'INVALID_SERVICE_ACCOUNT',
  ],
  [
    'service account without a PEM key',
    'GCS_SERVICE_ACCOUNT',
    gcs(serviceAccount({ private_key: 'MIIEvQIBADANBg' })),
    SA_JSON,
    'INVALID_SERVICE_ACCOUNT',
  ],
  [
    'service account with a numeric project_id',
    'GCS_SERVICE_ACCOUNT',
    gcs(serviceAccount({ project_id: 42 })),
    SA_JSON,
    'INVALID_SERVICE_ACCOUNT',
  ],
  ['service account JSON too long', 'GCS_SERVICE_ACCOUNT', gcs(serviceAccount({ padding: 'x'.repeat(40_000) })), SA_JSON, 'TOO_LONG'],
  ['empty B2 key id', 'B2_APPLICATION_KEY', b2(''), ['b2ApplicationKey', 'applicationKeyId'], 'REQUIRED'],
  ['short B2 key id', 'B2_APPLICATION_KEY', b2('0012ab34'), ['b2ApplicationKey', 'applicationKeyId'], 'TOO_SHORT'],
  ['long B2 key id', 'B2_APPLICATION_KEY', b2('0'.repeat(65)), ['b2ApplicationKey', 'applicationKeyId'], 'TOO_LONG'],
  ['B2 key id with a dash', 'B2_APPLICATION_KEY', b2('0012ab34-cd56ef00'), ['b2ApplicationKey', 'applicationKeyId'], 'INVALID_FORMAT'],
  ['short B2 key', 'B2_APPLICATION_KEY', b2Key('K001abc'), ['b2ApplicationKey', 'applicationKey'], 'TOO_SHORT'],
  ['long B2 key', 'B2_APPLICATION_KEY', b2Key('K'.repeat(129)), ['b2ApplicationKey', 'applicationKey'], 'TOO_LONG'],
  [
    'B2 key with a tab inside',
    'B2_APPLICATION_KEY',
    b2Key('K001abcdefg\thijklmnopqrstu'),
    ['b2ApplicationKey', 'applicationKey'],
    'INVALID_FORMAT',
  ],
];

describe('validateCredentials: field rules', () => {
  it.each(FIELD_CASES)('%s → %s', (_label, method, input, path, code) => {
    const error = only(validateCredentials(method, input));
    expect(error.path).toEqual(path);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('reports every bad field, one error each', () => {
    const errors = validateCredentials('S3_ACCESS_KEY', { accessKey: { accessKeyId: ' x', secretAccessKey: '' } });
    expect(errors.map((error) => [error.path.join('.'), error.code])).toEqual([
      ['accessKey.accessKeyId', 'SURROUNDING_WHITESPACE'],
      ['accessKey.secretAccessKey', 'REQUIRED'],
    ]);
  });

  it('lists every bad service-account property in one error, naming properties only', () => {
    const error = only(validateCredentials('GCS_SERVICE_ACCOUNT', gcs(JSON.stringify({ type: 'service_account' }))));
    expect(error.message).toContain('client_email');
    expect(error.message).toContain('private_key');
    expect(error.message).toContain('project_id');
    expect(error.message).not.toContain('"type"');
  });
});

describe('validateCredentials: ENV_VARS', () => {
  const env = (envVars: { key: string; value: string }[]) => validateCredentials('ENV_VARS', { envVars });

  it('needs at least one pair and at most the limit', () => {
    expect(only(env([]))).toMatchObject({ path: ['envVars'], code: 'REQUIRED' });
    const many = Array.from({ length: ENV_VARS_MAX_COUNT + 1 }, (_, i) => ({ key: `K${i}`, value: 'v' }));
    expect(only(env(many))).toMatchObject({ path: ['envVars'], code: 'TOO_MANY_KEYS' });
    expect(env(many.slice(0, ENV_VARS_MAX_COUNT))).toEqual([]);
  });

  it.each<[string, string, CredentialErrorCode]>([
    ['empty', '', 'REQUIRED'],
    ['lowercase', 'database_url', 'INVALID_FORMAT'],
    ['leading digit', '1PASSWORD', 'INVALID_FORMAT'],
    ['dash', 'MY-KEY', 'INVALID_FORMAT'],
    ['space', 'MY KEY', 'INVALID_FORMAT'],
    ['surrounding space', ' MY_KEY', 'INVALID_FORMAT'],
    ['129 chars', `A${'B'.repeat(128)}`, 'TOO_LONG'],
  ])('refuses a key that is %s', (_label, key, code) => {
    expect(
      only(
        env([
          { key: 'OK', value: 'v' },
          { key, value: 'v' },
        ]),
      ),
    ).toMatchObject({ path: ['envVars', '1', 'key'], code });
  });

  it('accepts keys of 1 and 128 chars and a leading underscore', () => {
    expect(
      env([
        { key: 'A', value: 'v' },
        { key: `_${'B'.repeat(127)}`, value: 'v' },
      ]),
    ).toEqual([]);
    expect(checkEnvKey('_')).toBeNull();
  });

  it('refuses a repeated key at the repeat, pointing at the first', () => {
    const errors = env([
      { key: 'A', value: '1' },
      { key: 'B', value: '2' },
      { key: 'A', value: '3' },
      { key: 'A', value: '4' },
    ]);
    expect(errors.map((error) => [error.path.join('.'), error.code])).toEqual([
      ['envVars.2.key', 'DUPLICATE_KEY'],
      ['envVars.3.key', 'DUPLICATE_KEY'],
    ]);
    expect(errors[0]!.message).toContain('envVars[0]');
  });

  it('refuses empty, blank and too long values; keeps other whitespace verbatim', () => {
    expect(only(env([{ key: 'A', value: '' }]))).toMatchObject({ path: ['envVars', '0', 'value'], code: 'REQUIRED' });
    expect(only(env([{ key: 'A', value: ' \n ' }]))).toMatchObject({ path: ['envVars', '0', 'value'], code: 'REQUIRED' });
    expect(only(env([{ key: 'A', value: 'x'.repeat(ENV_VALUE_MAX_LENGTH + 1) }]))).toMatchObject({
      path: ['envVars', '0', 'value'],
      code: 'TOO_LONG',
    });
    expect(env([{ key: 'A', value: ' padded value\n' }])).toEqual([]);
  });

  it('reports key and value errors of the same pair separately', () => {
    expect(codes(env([{ key: 'bad', value: '' }]))).toEqual(['INVALID_FORMAT', 'REQUIRED']);
  });
});

describe('validateCredentials: messages never contain the value', () => {
  const marker = () => `q${randomBytes(6).toString('hex')}`;

  /** Bad inputs whose offending value carries `m`, per auth method. */
  function badInputs(m: string): [AuthMethod, CredentialsInput][] {
    const M = m.toUpperCase();
    return [
      ['S3_ACCESS_KEY', ak(`${m} `)],
      ['S3_ACCESS_KEY', ak(`${m}/${m}`)],
      ['S3_ACCESS_KEY', ak(m.repeat(20))],
      ['S3_ACCESS_KEY', ak(m.slice(0, 10))],
      ['R2_ACCESS_KEY', sk(`${m} ${m}`)],
      ['TIGRIS_ACCESS_KEY', sk(m.slice(0, 8))],
      ['S3_COMPATIBLE_ACCESS_KEY', { accessKey: { accessKeyId: `${m} x`, secretAccessKey: `${m}\t${m}` } }],
      ['AZURE_ACCOUNT_KEY', az(`${M}`)],
      ['AZURE_ACCOUNT_KEY', az(m.repeat(5))],
      ['AZURE_ACCOUNT_KEY', azKey(`${m}!!`)],
      ['AZURE_ACCOUNT_KEY', azKey(Buffer.from(m).toString('base64'))],
      ['AZURE_ACCOUNT_KEY', azKey(m)],
      ['AZURE_SAS_URL', sas(`http://${m}.blob.core.windows.net/c?sig=${m}`)],
      ['AZURE_SAS_URL', sas(`https://${m}.blob.core.windows.net/c?sv=${m}`)],
      ['AZURE_SAS_URL', sas(`${m}://`)],
      ['AZURE_SAS_URL', sas(m)],
      ['GCS_SERVICE_ACCOUNT', gcs(`{"private_key": "${m}`)],
      ['GCS_SERVICE_ACCOUNT', gcs(`${m}`)],
      ['GCS_SERVICE_ACCOUNT', gcs(JSON.stringify({ type: m, private_key: m, client_email: m, project_id: '' }))],
      ['GCS_SERVICE_ACCOUNT', gcs(JSON.stringify([m]))],
      ['B2_APPLICATION_KEY', b2(`${m}-x`, `${m} ${m}`)],
      ['B2_APPLICATION_KEY', b2(m.repeat(10), m.repeat(20))],
      [
        'ENV_VARS',
        {
          envVars: [
            { key: m, value: 'v' },
            { key: `${M}-X`, value: m.repeat(5000) },
            { key: 'OK', value: `${m}` },
          ],
        },
      ],
      [
        'ENV_VARS',
        {
          envVars: [
            { key: M, value: `${m}` },
            { key: M, value: 'x' },
          ],
        },
      ],
      ['ENV_VARS', { envVars: [{ key: `${M}${'X'.repeat(130)}`, value: '' }] }],
    ];
  }

  it('holds for generated bad values of every kind', () => {
    for (let round = 0; round < 20; round++) {
      const m = marker();
      for (const [method, input] of badInputs(m)) {
        const errors = validateCredentials(method, input);
        expect(errors.length, `${method} ${JSON.stringify(input).slice(0, 80)}`).toBeGreaterThan(0);
        for (const error of errors) {
          expect(error.message.toLowerCase()).not.toContain(m);
          expect(error.path.join('/').toLowerCase()).not.toContain(m);
        }
      }
    }
  });
});

// --- Normalised values and masks ------------------------------------------------------------------

describe('credentialValues', () => {
  it('lists the fields in order with their env vars', () => {
    expect(credentialValues('S3_ACCESS_KEY', VALID.S3_ACCESS_KEY)).toEqual([
      { name: 'access_key_id', envVar: 'AWS_ACCESS_KEY_ID', value: AWS.accessKeyId },
      { name: 'secret_access_key', envVar: 'AWS_SECRET_ACCESS_KEY', value: AWS.secretAccessKey },
    ]);
    expect(credentialValues('AZURE_SAS_URL', VALID.AZURE_SAS_URL)).toEqual([
      { name: 'sas_url', envVar: 'AZURE_STORAGE_SAS_URL', value: SAS_URL },
    ]);
    expect(credentialValues('B2_APPLICATION_KEY', VALID.B2_APPLICATION_KEY).map((v) => v.envVar)).toEqual([
      'B2_APPLICATION_KEY_ID',
      'B2_APPLICATION_KEY',
    ]);
  });

  it('trims a pasted service-account file', () => {
    const [value] = credentialValues('GCS_SERVICE_ACCOUNT', gcs(`\n${serviceAccount()}\n`));
    expect(value).toEqual({ name: 'service_account_json', envVar: 'GOOGLE_APPLICATION_CREDENTIALS_JSON', value: serviceAccount() });
  });

  it('uses the key as name and env var for ENV_VARS, values verbatim', () => {
    expect(credentialValues('ENV_VARS', VALID.ENV_VARS)).toEqual(ENV_PAIRS.map(({ key, value }) => ({ name: key, envVar: key, value })));
  });

  it("throws when the method's member is missing (validate first)", () => {
    expect(() => credentialValues('S3_ACCESS_KEY', { azureSasUrl: { sasUrl: SAS_URL } })).toThrow(TypeError);
    expect(() => credentialValues('ENV_VARS', {})).toThrow(TypeError);
  });

  it('gives every method a value per field', () => {
    for (const method of AUTH_METHODS) {
      const values = credentialValues(method, VALID[method]);
      if (method === 'ENV_VARS') continue;
      expect(values.map((v) => v.name)).toEqual(credentialFieldsFor(method).map((f) => f.name));
    }
  });
});
