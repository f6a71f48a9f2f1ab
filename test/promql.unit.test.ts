import { exposedNames, metricNames, sampleValue } from './support/promql';

describe('metric names in PromQL', () => {
  it('finds the metrics an expression reads, not its functions, labels or keywords', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le, step) (rate(saga_step_duration_seconds_bucket{step!="x"}[$__rate_interval])))'),
    ).toEqual(['saga_step_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_total{outcome=~"compensated|timed_out"}[10m])) / sum(rate(b_total[10m])) > 0.10').sort()).toEqual(['a_total', 'b_total']);
    expect(metricNames('max by (queue) (rabbitmq_queue_messages{queue=~".+\\\\.error"}) > 0')).toEqual(['rabbitmq_queue_messages']);
    expect(metricNames('up{job="saga-services"} == 0')).toEqual(['up']);
  });

  it('reads sample and histogram names from an exposition', () => {
    const names = exposedNames('# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c counter\n# TYPE g gauge\ng{x="y"} 1\n');
    expect([...names].sort()).toEqual(['c', 'g', 'h_bucket', 'h_count', 'h_sum']);
  });

  it('reads a sample by name and labels, among other labels, and NaN when absent', () => {
    const exposition = 'g_total{service="order"} 3\ng{version="1",service="order"} 4\ng{version="2",service="order"} 0\nplain 7\n';
    expect(sampleValue(exposition, 'g', { version: '2' })).toBe(0);
    expect(sampleValue(exposition, 'g', { version: '1' })).toBe(4);
    expect(sampleValue(exposition, 'g_total')).toBe(3);
    expect(sampleValue(exposition, 'plain')).toBe(7);
    expect(sampleValue(exposition, 'g', { version: '3' })).toBeNaN();
  });
});
