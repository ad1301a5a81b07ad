import { gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

/**
 * Gzips HTML responses (GraphiQL: ~9 MB with every asset inlined, ~2 MB compressed) for clients
 * that accept it. Only HTML: API responses stay as they are, and request bodies are never
 * decompressed (no zip bombs). The compressed page is kept, since it never changes.
 */
export function useCompressedHtml(): Plugin {
  const cache = new Map<string, Buffer>();
  return {
    onResponse: async ({ request, response, setResponse, fetchAPI }) => {
      const accepts = request.headers.get('accept-encoding') ?? '';
      if (
        !response.headers.get('content-type')?.startsWith('text/html') ||
        !/\bgzip\b/.test(accepts) ||
        response.headers.has('content-encoding')
      )
        return;
      const html = await response.text();
      let gzipped = cache.get(html);
      if (!gzipped) {
        gzipped = gzipSync(html);
        cache.clear();
        cache.set(html, gzipped);
      }
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-encoding', 'gzip');
      headers.set('content-length', String(gzipped.length));
      headers.append('vary', 'Accept-Encoding');
      setResponse(new fetchAPI.Response(new Uint8Array(gzipped), { status: response.status, headers }));
    },
  };
}
