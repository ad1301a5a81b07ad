import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../database/database.ts';
import { writePrivateFile } from '../../config.ts';
import * as teamRepository from './team.repository.ts';
import { bootstrapTeam } from './team.service.ts';

export const DEV_EMAIL = 'dev@cloakroom.local';

/** Where the embedded database's development token is written: DATA_DIR/dev-token. */
export function devTokenFileOf(dataDir: string): string {
  return join(dataDir, 'dev-token');
}

/**
 * First start on an empty embedded database: a team "Demo", its OWNER and a token written to
 * DATA_DIR/dev-token (0600), so that GraphiQL can be used at once. Later starts change nothing.
 * @returns the path of the token file, and whether it was just written
 */
export async function ensureDevTeam(db: Db, dataDir: string): Promise<{ tokenFile: string; created: boolean }> {
  const tokenFile = devTokenFileOf(dataDir);
  if (await teamRepository.anyTeamExists(db)) return { tokenFile: existsSync(tokenFile) ? tokenFile : '', created: false };
  const { token } = await bootstrapTeam(db, { teamName: 'Demo', email: DEV_EMAIL });
  writePrivateFile(tokenFile, `${token}\n`);
  return { tokenFile, created: true };
}
