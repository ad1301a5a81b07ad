import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';

// graphql-eslint's require-description `rootField` reports nothing when both Query and Mutation
// exist, so `npm run lint` runs this too: every root field of schema.graphql has a description.
const file = new URL('../schema.graphql', import.meta.url);
const schema = buildSchema(readFileSync(file, 'utf8'));
const missing = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
  .flatMap((type) => (type ? Object.values(type.getFields()).map((field) => ({ type: type.name, field })) : []))
  .filter(({ field }) => !field.description?.trim())
  .map(({ type, field }) => `${type}.${field.name}`);

if (missing.length) {
  console.error(`schema.graphql: ${missing.length} root field(s) without a description:\n${missing.map((name) => `  ${name}`).join('\n')}`);
  process.exit(1);
}
console.log('schema.graphql: every root field has a description');
