import { writeFileSync } from 'node:fs';
import { printSchemaSDL } from '../src/graphql/schema.ts';

// Regenerates schema.graphql from the Pothos schema; a test fails while the two differ.
writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaSDL());
console.log('schema.graphql written');
