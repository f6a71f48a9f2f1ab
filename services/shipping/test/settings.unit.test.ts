import { ConfigError } from '@saga/shared';
import { isCountryCode } from '@saga/shared/contracts';
import { DEFAULT_SHIPPING_COUNTRIES, loadShippingSettings } from '../src/settings';

describe('shipping settings', () => {
  it('given no SHIPPING_COUNTRIES, the shop ships to the default countries: the EU 27 and ten more, every one an ISO 3166-1 alpha-2 code', () => {
    const { countries } = loadShippingSettings({});
    expect(DEFAULT_SHIPPING_COUNTRIES.every(isCountryCode)).toBe(true);
    expect(countries.size).toBe(37);
    expect([...countries]).toEqual(expect.arrayContaining(['DE', 'FR', 'GR', 'GB', 'CH', 'NO', 'IS', 'LI', 'US', 'CA', 'AU', 'NZ', 'JP']));
  });

  it('given a list, it reads the codes with the spaces around them trimmed', () => {
    expect(loadShippingSettings({ SHIPPING_COUNTRIES: 'DE, FR ,US' }).countries).toEqual(new Set(['DE', 'FR', 'US']));
  });

  it('given a code that is not a country, start-up stops with a ConfigError naming SHIPPING_COUNTRIES and the code', () => {
    const load = () => loadShippingSettings({ SHIPPING_COUNTRIES: 'DE,XX,UK' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SHIPPING_COUNTRIES="DE,XX,UK": .*not "XX", "UK"/);
  });

  it('given a code in lower case, it is refused: addresses carry upper case', () => {
    expect(() => loadShippingSettings({ SHIPPING_COUNTRIES: 'DE,fr' })).toThrow(/SHIPPING_COUNTRIES=.*not "fr"/);
  });

  it('given no country at all, it is refused', () => {
    expect(() => loadShippingSettings({ SHIPPING_COUNTRIES: ' ' })).toThrow(/SHIPPING_COUNTRIES=" ": must name at least one country/);
  });
});
