import { z } from 'zod';

export const workspaceName = z.string().trim().min(1, 'Name must not be empty').max(255, 'Name must be at most 255 characters');
