// SPDX-License-Identifier: MIT
// v1mcp.mjs - an MCP server on the TypeScript SDK v1 (@modelcontextprotocol/sdk, pinned, from
// npm; MCPWATCH_MCP_SDK_V1 names its dist/esm folder), written as the SDK's documentation shows,
// for the interop tests: the SDK's own handling of the handshake revisions, not ours. Seven tools
// in pages of three (a low-level Server with its own tools/list). The argument is the mode:
//   stateless  Streamable HTTP without sessions (sessionIdGenerator undefined), SSE answers
//   json       the same with JSON answers (enableJsonResponse)
//   stdio      its stdin and stdout
// PORT is the port for the HTTP modes (127.0.0.1 only).
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const base = process.env.MCPWATCH_MCP_SDK_V1;
const load = (path) => import(pathToFileURL(`${base}/${path}`).href);
const { Server } = await load('server/index.js');
const { StreamableHTTPServerTransport } = await load('server/streamableHttp.js');
const { StdioServerTransport } = await load('server/stdio.js');
const { ListToolsRequestSchema, CallToolRequestSchema } = await load('types.js');

const TOOLS = Array.from({ length: 7 }, (_, i) => ({
  name: `tool${i}`,
  description: `Tool number ${i}.`,
  inputSchema: { type: 'object', properties: {} },
}));
const PAGE = 3;

const makeServer = () => {
  const server = new Server({ name: 'v1-test', version: '1.32.2' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const tools = TOOLS.slice(start, start + PAGE);
    return start + PAGE < TOOLS.length ? { tools, nextCursor: String(start + PAGE) } : { tools };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request) => ({
    content: [{ type: 'text', text: `called ${request.params.name}` }],
  }));
  return server;
};

const mode = process.argv[2];
if (mode === 'stdio') {
  await makeServer().connect(new StdioServerTransport());
} else {
  // Stateless: a server and a transport per request, as the SDK's stateless example does.
  http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: mode === 'json',
    });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }).listen(Number(process.env.PORT), '127.0.0.1');
}
