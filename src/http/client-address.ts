import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Finds the client's address of a request; null when there is no socket (in-process calls). */
export type ClientAddressOf = (req: IncomingMessage | undefined) => string | null;

/**
 * The client's address as the socket gives it, or — when the socket's peer is one of
 * `trustedProxies` — the nearest address in `X-Forwarded-For` that is not a trusted proxy
 * (proxy-addr's rule). Without trusted proxies the header is ignored: any client can write it.
 * Entries are addresses, CIDR ranges or proxy-addr's names (`loopback`, `linklocal`,
 * `uniquelocal`); a bad entry throws a TypeError naming it.
 */
export function clientAddressResolver(trustedProxies: readonly string[]): ClientAddressOf {
  if (trustedProxies.length === 0) return (req) => req?.socket?.remoteAddress ?? null;
  const trust = proxyaddr.compile([...trustedProxies]);
  return (req) => (req?.socket?.remoteAddress ? proxyaddr(req, trust) : null);
}
