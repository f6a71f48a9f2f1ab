import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 CPU profile (`node --cpu-prof`) read here. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

const HTTP_PACKAGES = /^(express|router|body-parser|raw-body|iconv-lite|on-finished|finalhandler|send|serve-static|type-is|content-type|qs|path-to-regexp|debug|depd|http-errors|statuses|media-typer|mime-types|accepts|negotiator|parseurl|encodeurl|etag|fresh|proxy-addr|vary|cookie)$/;

/** What a sample's code is for, by its package or its file. */
export function bucketOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)' || functionName === '(root)') return 'V8 and libuv (program)';
  if (!url) {
    if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(functionName)) return 'socket writes (syscalls)';
    if (/^(parse|stringify)$/.test(functionName)) return 'JSON';
    return 'other native code';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (/^pg(-protocol|-pool|-types|-connection-string|-cursor)?$|^postgres-(array|bytea|date|interval)$/.test(pkg)) return 'PostgreSQL driver (pg)';
    if (pkg === 'postgres') return 'PostgreSQL driver (postgres.js)';
    if (pkg === 'amqplib' || pkg === 'buffer-more-ints') return 'AMQP driver (amqplib)';
    if (pkg === 'prom-client' || pkg === 'tdigest' || pkg === 'bintrees') return 'metrics (prom-client)';
    if (/^(pino|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep)/.test(pkg)) return 'logging (pino)';
    if (HTTP_PACKAGES.test(pkg)) return 'HTTP server (express)';
    if (pkg === 'tsx' || pkg === 'esbuild' || pkg === 'get-tsconfig') return 'module loading';
    return pkg.startsWith('@opentelemetry/') ? 'OpenTelemetry API' : pkg;
  }
  if (url.startsWith('node:internal/modules') || url.includes('source_map')) return 'module loading';
  if (/^node:(_http|http|internal\/http)/.test(url)) return 'HTTP server (node:http)';
  if (/^node:(net|stream|_stream|internal\/stream)/.test(url)) return 'streams and sockets (node)';
  if (/^node:(events|timers|internal\/(process|timers|async_hooks|fixed_queue|linkedlist))/.test(url)) return 'event loop, promises, timers (node)';
  if (/^node:(buffer|string_decoder|internal\/(buffer|util))/.test(url)) return 'buffers and strings (node)';
  if (url.startsWith('node:')) return 'other node internals';
  const own = /\/(shared\/src\/[a-z]+|services\/[a-z]+\/src|bench\/src)\//.exec(url)?.[1];
  if (own?.startsWith('shared/src/')) return `kernel: ${own.slice('shared/src/'.length)}`;
  return own ? `our code: ${own}` : 'other';
}

/** The share of a profile's busy samples (not idle, not loading modules) in each bucket, largest first. */
export function bucketShares(profile: CpuProfile): { busySamples: number; shares: Array<[string, number]> } {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const counts = new Map<string, number>();
  let busy = 0;
  for (const sample of profile.samples) {
    const frame = frames.get(sample);
    if (!frame || frame.functionName === '(idle)') continue;
    const bucket = bucketOf(frame.url, frame.functionName);
    if (bucket === 'module loading') continue; // start-up, not the work measured
    busy += 1;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return { busySamples: busy, shares: [...counts].sort((a, b) => b[1] - a[1]).map(([bucket, count]) => [bucket, count / Math.max(1, busy)]) };
}

/**
 * Lines summing up the CPU profiles in `folder` of the processes named in `names` (by pid):
 * for each, where its busy time went. Files are named CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile.
 */
export function profileSummary(folder: string, names: ReadonlyMap<number, string>, top = 12): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.cpuprofile'))) {
    const [, , , pid, thread] = file.split('.');
    const name = names.get(Number(pid));
    if (!name || thread !== '0') continue;
    const { busySamples, shares } = bucketShares(JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as CpuProfile);
    lines.push(`  ${name} (${busySamples} busy samples, ${file})`);
    for (const [bucket, share] of shares.slice(0, top)) lines.push(`    ${(share * 100).toFixed(1).padStart(5)} %  ${bucket}`);
  }
  return lines;
}
