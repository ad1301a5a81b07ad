import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup as dnsLookupAll } from 'node:dns/promises';
import https from 'node:https';
import type { RequestOptions } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { rootCertificates } from 'node:tls';

/**
 * The guard against server-side request forgery (DESIGN §6.2): every request cloakroom makes to an
 * address a user chose (storage endpoints, webhooks) goes through it. The host is resolved first and
 * every address it resolves to must be public; the connection then goes to that checked address
 * (the lookup runs inside the socket's connect, so there is no window for DNS rebinding).
 */

/** The code of a refused endpoint, on the error and in verification checks. */
export const ENDPOINT_NOT_ALLOWED = 'ENDPOINT_NOT_ALLOWED';

/** Refused before any connection: not https, or the host is (or resolves to) a non-public address. */
export class EndpointNotAllowedError extends Error {
  override name = 'EndpointNotAllowedError';
  readonly code = ENDPOINT_NOT_ALLOWED;
}

/** The whole request took longer than its budget. */
export class OutboundTimeoutError extends Error {
  override name = 'OutboundTimeoutError';
  readonly code = 'OUTBOUND_TIMEOUT';
}

/**
 * Addresses that are not the public internet: unspecified, loopback, private (RFC 1918), shared
 * (RFC 6598), link-local (incl. the cloud metadata address 169.254.169.254), unique-local, multicast,
 * reserved. Node's BlockList also matches IPv4-mapped IPv6 forms (::ffff:127.0.0.1) against the IPv4
 * ranges; the deprecated IPv4-compatible form (::a.b.c.d) is refused as a whole.
 */
const NON_PUBLIC: readonly (readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 96, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
for (const [network, prefix, family] of NON_PUBLIC) nonPublic.addSubnet(network, prefix, family);

const familyOf = (address: string): 'ipv4' | 'ipv6' => (isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Whether cloakroom may connect to this address without an allow-list entry. */
export function isPublicAddress(address: string): boolean {
  return isIP(address) !== 0 && !nonPublic.check(address, familyOf(address));
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/i;

/**
 * Parses one CLOAKROOM_OUTBOUND_ALLOWED_HOSTS entry: an IP address, a CIDR range, or a host name.
 * Returns null when it is none of those.
 */
export function parseAllowedHost(entry: string): { host: string } | { network: string; prefix: number } | null {
  const [network = '', prefix, ...rest] = entry.split('/');
  if (rest.length === 0 && isIP(network)) {
    const max = isIP(network) === 4 ? 32 : 128;
    if (prefix === undefined) return { network, prefix: max };
    const bits = Number(prefix);
    return /^\d{1,3}$/.test(prefix) && bits <= max ? { network, prefix: bits } : null;
  }
  return prefix === undefined && HOST_NAME.test(entry) ? { host: entry.toLowerCase().replace(/\.$/, '') } : null;
}

/** The allow-list: named hosts skip the address check; addresses in the ranges pass it. */
class AllowList {
  readonly #hosts = new Set<string>();
  readonly #ranges = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const parsed = parseAllowedHost(entry);
      if (!parsed) throw new TypeError(`Not a host, address or CIDR range: "${entry}"`);
      if ('host' in parsed) this.#hosts.add(parsed.host);
      else this.#ranges.addSubnet(parsed.network, parsed.prefix, familyOf(parsed.network));
    }
  }

  allows(host: string, address: string): boolean {
    return (
      this.#hosts.has(host.toLowerCase().replace(/\.$/, '')) || isPublicAddress(address) || this.#ranges.check(address, familyOf(address))
    );
  }
}

export interface OutboundGuardOptions {
  /** Hosts, addresses and CIDR ranges that may be reached although not public (CLOAKROOM_OUTBOUND_ALLOWED_HOSTS). @default [] */
  allowedHosts?: readonly string[];
  /** PEM certificates trusted besides Node's root store (CLOAKROOM_OUTBOUND_CA_FILE's contents). */
  extraCa?: string | undefined;
}

export interface GuardedPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Whole request, connect to last response byte. @default 10_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The guard, in the forms its users need: an https.Agent for SDKs, a POST for webhooks. */
export interface OutboundGuard {
  /** Throws EndpointNotAllowedError unless `url` is an https URL (the address is checked at connect time). */
  requireHttps(url: string): URL;
  /**
   * Resolves the host of an https URL now and throws EndpointNotAllowedError unless every address
   * is allowed. For clients that take no agent: the check is not pinned to the connection, so a
   * host whose DNS answers change in between could still reach another address; prefer `createAgent`.
   */
  checkEndpoint(url: string): Promise<URL>;
  /**
   * An https.Agent whose every connection is checked (no keep-alive: each SDK client gets its own
   * agent and destroys it after). Pass it to an SDK's request handler.
   */
  createAgent(): https.Agent;
  /** POSTs `body` through a fresh guarded agent; no redirects are followed (a 3xx is an answer). */
  post(request: GuardedPost): Promise<{ status: number }>;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Creates the guard from the allow-list and extra CA; a bad allow-list entry throws a TypeError. */
export function createOutboundGuard(options: OutboundGuardOptions = {}): OutboundGuard {
  const allowList = new AllowList(options.allowedHosts ?? []);
  const ca = options.extraCa ? [...rootCertificates, options.extraCa] : undefined;
  const refused = (host: string) => new EndpointNotAllowedError(`The endpoint ${host} is not a public address`);

  // Resolves every address of the host and refuses them all if any is not allowed: the socket then
  // connects to one of the addresses checked here, never to a second answer from DNS.
  const guardedLookup = (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, '');
      if (addresses.length === 0 || addresses.some(({ address }) => !allowList.allows(hostname, address))) {
        return callback(refused(hostname), '');
      }
      if (lookupOptions.all) return callback(null, addresses);
      const [first] = addresses as [LookupAddress];
      callback(null, first.address, first.family);
    });
  };

  class GuardedAgent extends https.Agent {
    override createConnection(connectOptions: RequestOptions, callback?: (error: Error | null, stream: Duplex) => void) {
      const host = connectOptions.host ?? 'localhost';
      // Node skips `lookup` for an address literal: check it here, before any socket exists.
      if (isIP(host) && !allowList.allows(host, host)) {
        if (!callback) throw refused(host);
        callback(refused(host), undefined as never);
        return undefined;
      }
      return super.createConnection({ ...connectOptions, lookup: guardedLookup }, callback);
    }
  }

  const createAgent = () => new GuardedAgent({ keepAlive: false, ...(ca && { ca }) });

  const checkEndpoint = async (url: string): Promise<URL> => {
    const parsed = requireHttps(url);
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    const addresses = isIP(host) ? [{ address: host }] : await dnsLookupAll(host, { all: true });
    if (addresses.length === 0 || addresses.some(({ address }) => !allowList.allows(host, address))) throw refused(host);
    return parsed;
  };

  const requireHttps = (url: string): URL => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new EndpointNotAllowedError('The endpoint is not a URL');
    }
    if (parsed.protocol !== 'https:') throw new EndpointNotAllowedError('The endpoint must use https');
    return parsed;
  };

  const post = async ({ url, headers, body, timeoutMs = 10_000, signal }: GuardedPost): Promise<{ status: number }> => {
    const target = requireHttps(url);
    const agent = createAgent();
    const budget = AbortSignal.timeout(timeoutMs);
    try {
      return await new Promise((resolve, reject) => {
        const request = https.request(
          target,
          {
            method: 'POST',
            agent,
            headers: { ...headers, 'content-length': Buffer.byteLength(body) },
            signal: signal ? AbortSignal.any([signal, budget]) : budget,
          },
          (response) => {
            // The body is not ours to keep: read it to its end, then answer the status.
            response.on('error', reject);
            response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
            response.resume();
          },
        );
        request.on('error', (error) =>
          reject(budget.aborted ? new OutboundTimeoutError(`No answer within ${timeoutMs} ms`, { cause: error }) : error),
        );
        request.end(body);
      });
    } finally {
      agent.destroy();
    }
  };

  return { requireHttps, checkEndpoint, createAgent, post };
}
