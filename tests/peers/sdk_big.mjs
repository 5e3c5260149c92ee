// The MCP TypeScript SDK's stdio client, as Claude Desktop runs a server: start COMMAND ARGS…,
// call the tool `big` for a reply of SIZE bytes of text, then `add` (1 + 2), then close().
// Prints one JSON line: what became of each call (its text's length or its error's message)
// and the transport errors the SDK reported (its stdio reader holds at most 10 MiB).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [size, command, ...args] = process.argv.slice(2);
const transport = new StdioClientTransport({ command, args, env: process.env, stderr: 'ignore' });
const client = new Client({ name: 'sdk-big', version: '1.0.0' });
const errors = [];
client.onerror = (e) => errors.push(String(e).slice(0, 200));
await client.connect(transport);
const outcome = async (call) => {
  try {
    const r = await call();
    if (r.isError) return { error: r.content?.[0]?.text ?? 'isError' };
    return { text_length: r.content?.[0]?.text?.length, text: r.content?.[0]?.text?.slice(0, 20) };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
};
const big = await outcome(() =>
  client.callTool({ name: 'big', arguments: { size: Number(size) } }, undefined, { timeout: 20000 }));
const add = await outcome(() =>
  client.callTool({ name: 'add', arguments: { a: 1, b: 2 } }, undefined, { timeout: 20000 }));
await client.close().catch(() => {});
console.log(JSON.stringify({ big, add, errors }));
