import { expect, test } from 'vitest';
import { createTeamWithOwner, executeOk, startTestApp } from '../helpers/app.ts';
import { CreateSecret } from '../helpers/documents.ts';
import { fixtures } from '../helpers/fixtures.ts';

/** The checks every test app makes at close (test/helpers/harness-checks.ts) do fail when they should. */
test('the leak sweep at close finds a plaintext that reached a log line', async () => {
  const t = await startTestApp();
  const team = await createTeamWithOwner(t.db);
  const accessKey = fixtures.accessKey();
  await executeOk(
    t.app,
    CreateSecret,
    { input: { teamId: team.teamId, name: 'selfcheck', secretType: 'S3', credentials: { accessKey } } },
    team.ownerToken,
  );
  t.logs.push(JSON.stringify({ msg: 'oops', value: accessKey.secretAccessKey }));
  await expect(t.close()).rejects.toThrow(/leak: .* in log line/);
});
