import { h, s } from './dom';
import { stepState } from './sagaState';
import type { SagaDetailJson } from './types';

const BOX_W = 170;
const BOX_H = 48;
const GAP = 44;
const PAD = 16;
const STEP_Y = PAD;
const COMP_Y = STEP_Y + BOX_H + 52;
const LINE = 14;

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The definition's steps left to right, each compensation below its step, the path this saga took highlighted. */
export function definitionDrawing(detail: SagaDetailJson): HTMLElement {
  const { saga, definition } = detail;
  if (!definition) {
    return h('p', { class: 'notice', 'data-testid': 'definition' }, `definition version ${saga.definitionVersion} is unknown to this build (parked)`);
  }
  const current = { step: saga.currentStep, status: saga.status };
  const steps = definition.steps;
  const currentIndex = steps.findIndex((step) => step.name === saga.currentStep || step.compensation?.name === saga.currentStep);
  const waiting = saga.waitingFor;
  const width = PAD * 2 + steps.length * BOX_W + Math.max(0, steps.length - 1) * GAP;
  const height = COMP_Y + BOX_H + PAD + (waiting.length ? LINE * (waiting.length + 1) + PAD / 2 : 0);

  const box = (x: number, y: number, name: string, subtitle: string, kind: 'step' | 'compensation', extraTitle: string[]) => {
    const state = stepState(name, saga.history, current);
    return s(
      'g',
      { class: `box box-${kind} state-${state}`, 'data-testid': 'definition-step', 'data-step': name, 'data-state': state, 'data-kind': kind },
      s('title', null, [name, subtitle, ...extraTitle, `state: ${state}`].join('\n')),
      s('rect', { x, y, width: BOX_W, height: BOX_H, rx: 6 }),
      s('text', { x: x + 10, y: y + 20, class: 'box-name' }, clip(kind === 'compensation' ? `↩ ${name}` : name, 22)),
      s('text', { x: x + 10, y: y + 37, class: 'box-sub' }, clip(subtitle, 25)),
    );
  };

  const svg = s(
    'svg',
    { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Definition version ${definition.version}` },
    s(
      'defs',
      null,
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' })),
    ),
  );

  steps.forEach((step, i) => {
    const x = PAD + i * (BOX_W + GAP);
    if (i > 0) svg.append(s('line', { x1: x - GAP, y1: STEP_Y + BOX_H / 2, x2: x - 2, y2: STEP_Y + BOX_H / 2, class: 'arrow', 'marker-end': 'url(#arrow)' }));
    svg.append(box(x, STEP_Y, step.name, step.command, 'step', step.condition ? [`only if ${step.condition}`] : []));
    if (step.compensation) {
      svg.append(s('line', { x1: x + BOX_W / 2, y1: STEP_Y + BOX_H, x2: x + BOX_W / 2, y2: COMP_Y, class: 'link-compensation' }));
      svg.append(box(x, COMP_Y, step.compensation.name, step.compensation.command, 'compensation', []));
      // Compensations run right to left.
      if (i > 0 && steps[i - 1]?.compensation) {
        svg.append(s('line', { x1: x - 2, y1: COMP_Y + BOX_H / 2, x2: x - GAP + 2, y2: COMP_Y + BOX_H / 2, class: 'arrow arrow-compensation', 'marker-end': 'url(#arrow)' }));
      }
    }
  });

  if (currentIndex >= 0 && waiting.length) {
    const x = PAD + currentIndex * (BOX_W + GAP);
    const y = COMP_Y + BOX_H + PAD + LINE;
    svg.append(
      s('text', { x, y, class: 'waiting' }, 'waits for:'),
      ...waiting.map((type, k) => s('text', { x, y: y + LINE * (k + 1), class: 'waiting waiting-type' }, type)),
    );
  }

  return h(
    'div',
    { class: 'drawing', 'data-testid': 'definition' },
    h('p', { class: 'muted' }, `Definition version ${definition.version}`, definition.steps.some((st) => st.condition) ? ' (dashed boxes run only under a condition)' : ''),
    h('div', { class: 'drawing-scroll' }, svg),
  );
}
