import { connect, type ChannelModel } from 'amqplib';
import { z } from 'zod';
import { redactUrl } from '../db/ensureDatabase';

/**
 * AMQP_URL may list several broker addresses, comma-separated: the nodes of one cluster,
 * tried in turn. They must name one vhost (the saga's), since they are one broker.
 */
export function brokerUrls(list: string): string[] {
  return list
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** The list back as one value, as AMQP_URL holds it. */
export const joinBrokerUrls = (urls: readonly string[]): string => urls.join(',');

/** Each address of a list changed alike (a user and password added, say). */
export const mapBrokerUrls = (list: string, change: (url: string) => string): string => joinBrokerUrls(brokerUrls(list).map(change));

/** AMQP_URL: one amqp(s):// address or several, comma-separated, all naming the same vhost. */
export const brokerUrlList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((list, ctx) => {
      const urls = brokerUrls(list);
      if (urls.length === 0) return void ctx.addIssue({ code: 'custom', message: 'names no broker address' });
      const vhosts = new Set<string>();
      for (const each of urls) {
        let parsed: URL;
        try {
          parsed = new URL(each);
        } catch {
          return void ctx.addIssue({ code: 'custom', message: 'each comma-separated address must be a URL' });
        }
        if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') return void ctx.addIssue({ code: 'custom', message: 'each address must be amqp:// or amqps://' });
        vhosts.add(parsed.pathname);
      }
      if (vhosts.size > 1) ctx.addIssue({ code: 'custom', message: 'the addresses name different vhosts; a list is the nodes of one broker' });
    });

/** A list with every address's password hidden, for messages and logs. */
export const redactBrokerUrls = (list: string): string => mapBrokerUrls(list, redactUrl);

/**
 * Connects to the first address of `list` that answers, trying them in order from
 * `first` (wrapping around). Fails naming every address tried and why.
 */
export async function connectToBroker(
  list: string,
  options: Parameters<typeof connect>[1],
  first = 0,
): Promise<{ connection: ChannelModel; index: number }> {
  const urls = brokerUrls(list);
  const failures: Array<{ url: string; error: Error }> = [];
  for (let offset = 0; offset < urls.length; offset += 1) {
    const index = (first + offset) % urls.length;
    try {
      return { connection: await connect(urls[index]!, options), index };
    } catch (error) {
      failures.push({ url: redactUrl(urls[index]!), error: error as Error });
    }
  }
  if (failures.length === 1) throw new Error(failures[0]!.error.message);
  throw new Error(`no broker address answered (${failures.map(({ url, error }) => `${url}: ${error.message}`).join('; ')})`);
}
