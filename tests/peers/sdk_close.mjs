// The MCP TypeScript SDK's stdio client, as Claude Desktop runs a server: start COMMAND ARGS…,
// initialize, then close() (end of input, 2 s, SIGTERM, 2 s, SIGKILL). Prints one JSON line:
// the server's name and how long close() took. The server gets our whole environment (Claude
// passes an entry's `env`; the tests' MCP_TRAY_HOME stands for it).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, env: process.env, stderr: 'inherit' });
const client = new Client({ name: 'sdk-close', version: '1.0.0' });
await client.connect(transport);
const server = client.getServerVersion()?.name;
const started = Date.now();
await client.close();
console.log(JSON.stringify({ server, close_ms: Date.now() - started }));
