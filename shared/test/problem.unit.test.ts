import { z } from 'zod';
import { HttpProblem, validate } from '../src/http/problem';

describe('request validation', () => {
  it('names each offending field the way the request spells it', () => {
    const schema = z.object({ items: z.array(z.object({ quantity: z.number().int().min(1) })).min(1) });
    let problem: HttpProblem | undefined;
    try {
      validate(schema, { items: [{ quantity: 1 }, { quantity: 0.5 }] }, 'order');
    } catch (error) {
      problem = error as HttpProblem;
    }
    expect(problem?.status).toBe(400);
    expect(problem?.errors?.map((e) => e.field)).toEqual(['items[1].quantity']);
  });
});
