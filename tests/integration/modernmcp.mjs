// SPDX-License-Identifier: MIT
// modernmcp.mjs - an MCP server on the TypeScript SDK v2 (@modelcontextprotocol/server, pinned,
// from npm), written as its documentation shows, for the tests: the SDK's own handling of the
// 2026-07-28 revision, not ours. MCPWATCH_MCP_SDK names the SDK's dist/index.mjs; PORT the port
// (127.0.0.1 only); LEGACY 'reject' (modern only) or 'stateless' (dual-era, the SDK's default).
// With the argument 'stdio' it serves its stdin and stdout instead (the SDK's serveStdio), LEGACY
// 'reject' or 'serve' (dual-era).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const sdk = await import(pathToFileURL(process.env.MCPWATCH_MCP_SDK).href);
const { McpServer, createMcpHandler, fromJsonSchema } = sdk;
const object = (properties, required) =>
  fromJsonSchema({ type: 'object', properties, required });

const factory = () => {
  const server = new McpServer({ name: 'modern-test', version: '2.4.0' });
  server.registerTool('echo', { description: 'Echoes its text.',
    inputSchema: object({ text: { type: 'string' } }, ['text']) },
    async ({ text }) => ({ content: [{ type: 'text', text }] }));
  server.registerTool('add', { description: 'Adds two numbers.',
    inputSchema: object({ a: { type: 'number' }, b: { type: 'number' } }, ['a', 'b']) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  // A name outside the header-safe set: its Mcp-Name goes Base64, which the SDK checks.
  server.registerTool('grüße', { description: 'Greets.', inputSchema: object({}, []) },
    async () => ({ content: [{ type: 'text', text: 'hallo' }] }));
  server.registerTool('fails', { description: 'Always an error.', inputSchema: object({}, []) },
    async () => ({ isError: true, content: [{ type: 'text', text: 'broken on purpose' }] }));
  return server;
};

if (process.argv[2] === 'stdio') {
  const stdio = await import(pathToFileURL(process.env.MCPWATCH_MCP_SDK.replace(/index\.mjs$/, 'stdio.mjs')).href);
  stdio.serveStdio(factory, { legacy: process.env.LEGACY || 'reject' });
} else {
const handler = createMcpHandler(factory, { legacy: process.env.LEGACY || 'reject' });
const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method,
    headers: req.headers,
    body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
  });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
});
server.listen(Number(process.env.PORT), '127.0.0.1');
}
