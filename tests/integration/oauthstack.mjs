// SPDX-License-Identifier: MIT
// oauthstack.mjs - a real OAuth authorization server (oidc-provider, pinned, from npm) issuing
// client credentials tokens with resource indicators (RFC 8707) as signed JWTs, in front of an
// MCP server on the TypeScript SDK v1 (@modelcontextprotocol/sdk) that checks them with the
// SDK's requireBearerAuth and serves its protected resource metadata with the SDK's
// mcpAuthMetadataRouter. Both on 127.0.0.1. The environment:
//   AS_PORT, PORT       the authorization server's and the MCP server's ports
//   MCPWATCH_MCP_SDK_V1 the SDK's dist/esm folder (its node_modules holds oidc-provider, jose)
//   SECRET              the secret of the clients "mcpwatch" (client_secret_basic) and
//                       "mcpwatch-post" (client_secret_post); both may ask for mcp:tools, mcp:read
//   MODE                good; prm404 (no metadata served, the challenge still names it);
//                       nochallenge (no resource_metadata in the challenge: the well-known path);
//                       slash (the metadata's resource has a trailing slash); issuer (the
//                       metadata names http://localhost:AS_PORT, whose metadata says 127.0.0.1)
//   TTL                 the tokens' lifetime in seconds (default 300)
//   REVOKE_FILE         tokens issued in a second before its last change are refused (401)
// Every token issued is logged as "issued CLIENT SCOPE" on stdout, every token refused as
// "refused REASON", every request let through as "served METHOD".
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const sdk = process.env.MCPWATCH_MCP_SDK_V1;
const modules = `${sdk}/../../../..`;
const load = (path) => import(pathToFileURL(path).href);
const { default: Provider, errors } = await load(`${modules}/oidc-provider/lib/index.js`);
const jose = await load(`${modules}/jose/dist/webapi/index.js`);
const express = createRequire(`${modules}/`)('express');
const { Server } = await load(`${sdk}/server/index.js`);
const { StreamableHTTPServerTransport } = await load(`${sdk}/server/streamableHttp.js`);
const { ListToolsRequestSchema, CallToolRequestSchema } = await load(`${sdk}/types.js`);
const { requireBearerAuth } = await load(`${sdk}/server/auth/middleware/bearerAuth.js`);
const { mcpAuthMetadataRouter, getOAuthProtectedResourceMetadataUrl } = await load(
  `${sdk}/server/auth/router.js`);
const { InvalidTokenError } = await load(`${sdk}/server/auth/errors.js`);

const mode = process.env.MODE || 'good';
const ttl = Number(process.env.TTL || 300);
const issuer = `http://127.0.0.1:${process.env.AS_PORT}`;
const mcpUrl = `http://127.0.0.1:${process.env.PORT}/mcp`;
const scopes = 'mcp:tools mcp:read';

// The authorization server.
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signing = { ...(await jose.exportJWK(privateKey)), kid: 'test', alg: 'RS256', use: 'sig' };
const client = (id, method) => ({
  client_id: id,
  client_secret: process.env.SECRET,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: method,
  scope: scopes,
});
const provider = new Provider(issuer, {
  clients: [client('mcpwatch', 'client_secret_basic'), client('mcpwatch-post', 'client_secret_post')],
  jwks: { keys: [signing] },
  scopes: scopes.split(' '),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== mcpUrl) throw new errors.InvalidTarget();
        return { scope: scopes, audience: resource, accessTokenTTL: ttl, accessTokenFormat: 'jwt' };
      },
    },
  },
});
provider.on('grant.success', (ctx) => {
  const body = ctx.oidc.body || {};
  console.log(`issued ${ctx.oidc.client?.clientId} ${body.scope || '(default)'}`);
});
provider.listen(Number(process.env.AS_PORT), '127.0.0.1');

// The MCP server: it trusts tokens of the issuer above, for its own URL only.
const keys = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
const verifier = {
  async verifyAccessToken(token) {
    let payload;
    try {
      // Two seconds of tolerance: iat and exp are whole seconds (a token of TTL seconds may end
      // up to a second early), and a run under ThreadSanitizer or valgrind takes a while
      // between the check of the token's age and its last request. A client that never
      // replaced a token of 2 s would still be refused from its fourth second on.
      ({ payload } = await jose.jwtVerify(token, keys, { issuer, audience: mcpUrl, clockTolerance: 2 }));
    } catch (e) {
      console.log(`refused ${e.code || e.message}`);
      throw new InvalidTokenError(`token refused: ${e.code || e.message}`);
    }
    const revoked = process.env.REVOKE_FILE && fs.existsSync(process.env.REVOKE_FILE) &&
      payload.iat < Math.floor(fs.statSync(process.env.REVOKE_FILE).mtimeMs / 1000);
    if (revoked) throw new InvalidTokenError('token revoked');
    return {
      token,
      clientId: payload.client_id,
      scopes: String(payload.scope || '').split(' '),
      expiresAt: payload.exp,
    };
  },
};
const discovery = await fetch(`${issuer}/.well-known/openid-configuration`).then((r) => r.json());
const app = express();
if (mode !== 'prm404') {
  app.use(mcpAuthMetadataRouter({
    oauthMetadata: mode === 'issuer'
      ? { ...discovery, issuer: `http://localhost:${process.env.AS_PORT}` } : discovery,
    resourceServerUrl: new URL(mode === 'slash' ? `${mcpUrl}/` : mcpUrl),
    scopesSupported: ['mcp:tools'],
    resourceName: 'oauth test server',
  }));
}
const makeServer = () => {
  const server = new Server({ name: 'oauth-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: 'whoami', description: 'The token holder.', inputSchema: { type: 'object' } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => ({
    content: [{ type: 'text', text: `client ${extra.authInfo?.clientId}` }],
  }));
  return server;
};
app.post('/mcp', express.json(), requireBearerAuth({
  verifier,
  requiredScopes: ['mcp:tools'],
  resourceMetadataUrl: mode === 'nochallenge'
    ? undefined : getOAuthProtectedResourceMetadataUrl(new URL(mcpUrl)),
}), async (req, res) => {
  console.log(`served ${req.body?.method}`);
  const server = makeServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined,
    enableJsonResponse: true });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
app.listen(Number(process.env.PORT), '127.0.0.1');
console.log('ready');
