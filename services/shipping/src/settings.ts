import { readConfig } from '@saga/shared';
import { isCountryCode } from '@saga/shared/contracts';
import { z } from 'zod';
import { EU_MEMBER_STATES } from './domain/regions';

/** Where the shop ships unless SHIPPING_COUNTRIES says otherwise: the EU, its neighbours in Europe, North America, Oceania and Japan. */
export const DEFAULT_SHIPPING_COUNTRIES: readonly string[] = [...EU_MEMBER_STATES, 'GB', 'CH', 'NO', 'IS', 'LI', 'US', 'CA', 'AU', 'NZ', 'JP'];

export interface ShippingSettings {
  /** The countries the shop ships to, ISO 3166-1 alpha-2 codes. */
  countries: ReadonlySet<string>;
}

/** A comma-separated list of ISO 3166-1 alpha-2 codes, in upper case as they arrive in addresses: "DE, FR,US". */
const countryList = z
  .string()
  .default(DEFAULT_SHIPPING_COUNTRIES.join(','))
  .transform((value) => value.split(',').map((code) => code.trim()))
  .superRefine((codes, ctx) => {
    if (codes.every((code) => code === '')) {
      ctx.addIssue({ code: 'custom', message: 'must name at least one country' });
      return;
    }
    const wrong = codes.filter((code) => !isCountryCode(code));
    if (wrong.length > 0) {
      const named = wrong.map((code) => JSON.stringify(code)).join(', ');
      ctx.addIssue({ code: 'custom', message: `must be ISO 3166-1 alpha-2 country codes in upper case, separated by commas; not ${named}` });
    }
  });

/** The shipping service's own settings, read once at start-up; a wrong value stops it, naming the variable. */
export function loadShippingSettings(env: NodeJS.ProcessEnv = process.env): ShippingSettings {
  const raw = readConfig({ SHIPPING_COUNTRIES: countryList }, env);
  return { countries: new Set(raw.SHIPPING_COUNTRIES) };
}
