import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { otlpTracesUrl, startTracing, tracingInstalled } from '../src/tracing/startTracing';

/** A stand-in OTLP/HTTP collector on loopback: it keeps what is posted to it. */
let collector: Server;
const received: Array<{ url: string; contentType: string; bytes: number }> = [];
let endpoint: string;

beforeAll(async () => {
  collector = createServer((req: IncomingMessage, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'] ?? '', bytes });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => collector.close(resolve));
});

describe('tracing configuration', () => {
  it('is off without an OTLP endpoint, and reads the signal-specific one as given', () => {
    expect(otlpTracesUrl({})).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBeUndefined();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/' })).toBe('http://jaeger:4318/v1/traces');
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/traces' })).toBe('http://b:4318/traces');
    expect(() => otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    const off = startTracing({ service: 'order', replicaId: 'a', env: {} });
    expect(off.enabled).toBe(false);
    expect(tracingInstalled()).toBe(false);
  });

  it('exports over OTLP/HTTP when an endpoint is set, flushing when the last service of the process stops', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'exportOneSpan.ts')], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(received).toEqual([expect.objectContaining({ url: '/v1/traces', contentType: expect.stringContaining('application/json') })]);
    expect(received[0]!.bytes).toBeGreaterThan(0);
  });
});
