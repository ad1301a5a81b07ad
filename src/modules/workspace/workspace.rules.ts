import { nameSchema } from '../../names.ts';

export const workspaceName = nameSchema(255);
