import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import type { GraphiQLOptions } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { devTokenFileOf } from '../modules/team/dev-team.ts';

export interface GraphiQLPageOptions {
  /**
   * The embedded development database's token file (DATA_DIR/dev-token): GraphiQL pages requested
   * from this machine get its token in the Authorization header. Leave it unset anywhere else.
   * @default undefined (the header is a template to fill in)
   */
  devTokenFile?: string | undefined;
}

/**
 * The page options a server with this configuration uses: the dev token file only in embedded
 * development mode (no DATABASE_URL, not production), where the first start writes it.
 */
export function graphiqlPageOptions(config: Pick<Config, 'databaseUrl' | 'production' | 'dataDir'>): GraphiQLPageOptions {
  return { devTokenFile: config.databaseUrl || config.production ? undefined : devTokenFileOf(config.dataDir) };
}

/** The query the default document runs: what a newcomer wants to see first. */
const OVERVIEW_QUERY = `query Overview {
  viewer {
    email
    memberships {
      role
      team {
        id
        name
        secrets(first: 10) {
          edges {
            node {
              id
              name
              secretType
              version
              credentialFields {
                name
                envVar
                maskedValue
              }
              locationCount
            }
          }
        }
      }
    }
  }
}`;

/** Shown commented out: an example to try, with placeholders instead of values. */
export const EXAMPLE_MUTATION = `mutation CreateSecret {
  createSecret(input: {
    teamId: "<a team id from Overview>"
    name: "analytics-bucket"
    secretType: S3
    credentials: { accessKey: { accessKeyId: "<access key id>", secretAccessKey: "<secret access key>" } }
  }) {
    __typename
    ... on CreateSecretSuccess { secret { id name version credentialFields { name maskedValue } } }
    ... on Error { code message }
  }
}`;

const TOKEN_HINTS = {
  prefilled: 'The Headers tab holds the development token of team "Demo" (DATA_DIR/dev-token, default .data/dev-token).',
  template:
    'Put an API token in the Headers tab: `npm run --silent cli -- token --team <teamId> --email <you> --role ADMIN` prints one (development: DATA_DIR/dev-token).',
};

/** The editor's first document: the overview query, and the example mutation commented out. */
export function defaultDocument(tokenPrefilled: boolean): string {
  const comment = (text: string) => text.replace(/^/gm, '# ');
  return [
    comment('cloakroom: team-scoped secrets for cloud storage and env vars. Values never leave the server:'),
    comment('you see masked previews (`maskedValue`) only. Run Overview with Ctrl-Enter or the ▶ button.'),
    comment(tokenPrefilled ? TOKEN_HINTS.prefilled : TOKEN_HINTS.template),
    '',
    OVERVIEW_QUERY,
    '',
    comment('An example mutation: uncomment it (select, Ctrl-/), fill in the placeholders, run it.'),
    comment(EXAMPLE_MUTATION),
    '',
  ].join('\n');
}

const HEADER_TEMPLATE = JSON.stringify({ Authorization: 'Bearer <your API token>' }, null, 2);
const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLoopback = proxyaddr.compile('loopback');
/** Set by proxies: a request carrying one comes through a proxy, not straight from a local browser. */
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'];

/**
 * Whether the page was asked for from this machine: the socket's peer is loopback (never a
 * header, which any client can write), the Host is a local name (a DNS-rebinding page sends its
 * own name), and no proxy says it forwarded the request.
 */
function isLocalRequest(request: Request, req: IncomingMessage | undefined): boolean {
  const peer = req?.socket?.remoteAddress;
  if (!peer || !isLoopback(peer, 0)) return false;
  if (FORWARDING_HEADERS.some((name) => request.headers.has(name))) return false;
  const host = request.headers.get('host');
  if (!host || !URL.canParse(`http://${host}`)) return false;
  return LOCAL_HOSTNAMES.has(new URL(`http://${host}`).hostname);
}

/** The dev token, or undefined while the file is missing (the first start writes it after listening). */
async function readDevToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Yoga's GraphiQL options for one page request: the default document, and the Authorization
 * header pre-filled with the dev token only for `isLocalRequest`, else a template. Headers are
 * never persisted in localStorage, so a token does not outlive the tab.
 */
export function graphiqlOptions({ devTokenFile }: GraphiQLPageOptions) {
  return async (request: Request, serverContext?: { req?: IncomingMessage }): Promise<GraphiQLOptions> => {
    const token = isLocalRequest(request, serverContext?.req) ? await readDevToken(devTokenFile) : undefined;
    return {
      title: 'cloakroom',
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: defaultDocument(token !== undefined),
      headers: token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : HEADER_TEMPLATE,
      shouldPersistHeaders: false,
    };
  };
}

/** Replaced in Yoga's page by REFETCH_SCRIPT's wrapper (`renderGraphiQLPage` checks it is there). */
const RENDER_CALL = 'YogaGraphiQL.renderYogaGraphiQL(';

/**
 * GraphiQL introspects once, when the page loads; after that only its Shift-Ctrl-R shortcut does,
 * reading the headers editor at that moment. This wrapper gives GraphiQL an `onEditHeaders` (a
 * function: Yoga's options are JSON) that presses that shortcut once the headers are valid JSON
 * and have settled for half a second: typing a token does not send a request per key.
 */
const REFETCH_SCRIPT = `<script>
  function renderCloakroomGraphiQL(root, options) {
    let timer;
    let introspected = options.headers;
    YogaGraphiQL.renderYogaGraphiQL(root, {
      ...options,
      onEditHeaders(headers) {
        clearTimeout(timer);
        timer = setTimeout(() => {
          try {
            JSON.parse(headers || '{}');
          } catch {
            return;
          }
          if (headers === introspected) return;
          introspected = headers;
          window.dispatchEvent(new KeyboardEvent('keydown', { key: 'R', ctrlKey: true, shiftKey: true }));
        }, 500);
      },
    });
  }
</script>`;

/**
 * Yoga's GraphiQL page (every asset inlined), its schema re-fetched as the headers change. The
 * renderer is imported on the first page: the bundled editor is ~35 MB of memory no API call needs.
 */
export async function renderGraphiQLPage(options: GraphiQLOptions): Promise<string> {
  const html = (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options);
  const call = html.lastIndexOf(RENDER_CALL);
  // A Yoga upgrade that renames the call must not quietly lose the refetch.
  if (call < 0) throw new Error(`@graphql-yoga/render-graphiql's page no longer calls ${RENDER_CALL}`);
  const withWrapper = `${html.slice(0, call)}renderCloakroomGraphiQL(${html.slice(call + RENDER_CALL.length)}`;
  const root = '<div id="root"></div>';
  if (!withWrapper.includes(root)) throw new Error(`@graphql-yoga/render-graphiql's page has no ${root}`);
  return withWrapper.replace(root, `${root}\n${REFETCH_SCRIPT}`);
}
