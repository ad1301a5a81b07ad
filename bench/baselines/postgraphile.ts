// Benchmark baseline (issue #6): PostGraphile v5 serving cloakroom's own tables, set up as a user
// would run it in production: Amber preset, schema `public`, a pool of 10 connections (like
// cloakroom), POST /graphql only, no GraphiQL/Ruru, no explain, no watch mode, no websockets,
// GRAPHILE_ENV=production, and the schema built before `listening <port>` is printed.
//
// What it deliberately does NOT do, so read its numbers as a lower bound on the work a GraphQL
// server over these tables has to do: no authentication, no team membership checks, no
// row-level security or PRIVATE-secret filtering (it serves every row of every table to anyone),
// no rate limiting, no depth/cost limits, no audit logging, no persisted operations. Cloakroom
// does all of these on every request, so PostGraphile here does strictly less work per request.
//
// Run: DATABASE_URL=postgres://... PORT=4001 node bench/baselines/postgraphile.ts
import { createServer } from 'node:http';
import type {} from 'postgraphile'; // the GraphileConfig global types

// Grafast reads its mode once, at import: pin production (development mode re-plans more and
// adds checks), whatever NODE_ENV the caller has. Hence the dynamic imports below.
process.env.GRAPHILE_ENV = 'production';
const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');
const { makeJSONPgSmartTagsPlugin } = await import('postgraphile/utils');

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 4001);

const pgService = makePgService({ connectionString, schemas: ['public'], poolConfig: { max: 10 }, pubsub: false });
// Migration 0011 replaced locations' foreign key on secret_id by one on (secret_id, location_type)
// → secrets (id, secret_type), which PostGraphile does not turn into a relation (it references a
// unique constraint, not the key): a virtual foreign key gives back `locationsBySecretId`.
const locationsOfSecret = makeJSONPgSmartTagsPlugin({
  version: 1,
  config: { class: { locations: { tags: { foreignKey: '(secret_id) references secrets (id)' } } } },
});
const preset: GraphileConfig.Preset = {
  // Amber only: v5 core has no simplify-inflection, so names are the defaults
  // (teamByRowId, secretsByTeamId, userByCreatedBy, ...).
  extends: [PostGraphileAmberPreset],
  plugins: [locationsOfSecret],
  pgServices: [pgService],
  grafserv: {
    graphqlPath: '/graphql',
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    graphqlOverGET: false,
    watch: false,
    websockets: false,
  },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
await pgl.getSchema(); // introspect and build now, not on the first request
const serv = pgl.createServ(grafserv);
const server = createServer();
await serv.addTo(server, false);
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  // pgl.release() releases the grafserv instance; the service's pool is ours to end.
  void Promise.resolve(pgl.release())
    .then(() => pgService.release?.())
    .then(() => process.exit(0));
});
