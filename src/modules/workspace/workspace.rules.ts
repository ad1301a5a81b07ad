import { nameSchema } from '../shared/names.ts';

export const workspaceName = nameSchema(255);
