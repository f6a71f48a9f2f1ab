const FUNCTIONS_AND_KEYWORDS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'rate', 'irate', 'increase', 'delta', 'histogram_quantile', 'clamp_min', 'clamp_max',
  'abs', 'absent', 'topk', 'bottomk', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless',
  'bool', 'offset', 'time', 'vector', 'scalar', 'label_replace', 'inf', 'nan',
]);

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers,
 * range selectors, grouping clauses, numbers, functions and keywords are removed.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const name = match[0].replace(/\s*\($/, '');
    if (match[1] || FUNCTIONS_AND_KEYWORDS.has(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** Every sample name a Prometheus text exposition offers, histograms expanded to _bucket/_sum/_count. */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      else if (kind === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(`${name}${suffix}`);
      else names.add(name!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** The value of the first sample named `name` (with these labels, among any others) in a text exposition; NaN when there is none. */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const line = exposition
    .split('\n')
    .find((candidate) => (candidate.startsWith(`${name}{`) || candidate.startsWith(`${name} `)) && Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)));
  return Number(line?.split(' ').at(-1));
}
