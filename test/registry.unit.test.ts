import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import { serviceGrant } from '@saga/shared';
import { composePassword, databaseRole, infraFiles, rabbitPasswordHash } from '../scripts/infraFiles';
import { PARTICIPANTS, REGISTRY, SERVICE_NAMES } from '../services/registry';

// services/registry.ts is the one place that names the services: the infrastructure files
// are generated from it, and the kernel names none of them.

const root = path.join(__dirname, '..');
const generated = infraFiles();
const compose = parse(generated['docker-compose.yml']!) as { services: Record<string, any> };
const prometheus = parse(generated['infra/prometheus/prometheus.yml']!) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
const definitions = JSON.parse(generated['infra/rabbitmq/definitions.json']!) as {
  users: Array<{ name: string; password_hash: string }>;
  permissions: Array<{ user: string; vhost: string; configure: string; write: string; read: string }>;
  topic_permissions: Array<{ user: string; vhost: string; exchange: string; write: string; read: string }>;
};

describe('the registry of services', () => {
  it('has entries with distinct names, ports and databases, each a package with a main.ts', () => {
    for (const key of ['name', 'port', 'database'] as const) expect(new Set(REGISTRY.map((entry) => entry[key])).size).toBe(REGISTRY.length);
    for (const entry of PARTICIPANTS) {
      expect(entry.name).toMatch(/^[a-z][a-z0-9]*$/);
      expect(entry.dir).toBe(`services/${entry.name}`);
      expect(existsSync(path.join(root, entry.dir, 'package.json'))).toBe(true);
      expect(entry.main).toBe(path.join(root, entry.dir, 'src', 'main.ts'));
      expect(existsSync(entry.main)).toBe(true);
    }
  });

  it.each(SERVICE_NAMES)("loads %s's ServiceDefinition from its src/service.ts", (name) => {
    const definition = PARTICIPANTS.find((entry) => entry.name === name)!.definition({});
    expect(definition).toEqual(expect.objectContaining({ migrationsFolder: path.join(root, 'services', name, 'drizzle'), routes: expect.any(Function) }));
    expect(Array.isArray(definition.handlers) || typeof definition.handlers === 'function').toBe(true);
  });

  it.each(PARTICIPANTS.map((entry) => [entry.name, entry] as const))('gives %s its container, database, broker user and scrape target', (name, entry) => {
    const prefix = name.toUpperCase();
    const secret = composePassword(name);
    expect(compose.services[name]).toMatchObject({
      build: { args: { SERVICE: name } },
      environment: {
        [`${prefix}_DATABASE_URL`]: `postgres://${databaseRole(name)}:${secret}@postgres:5432/${entry.database}`,
        AMQP_URL: `amqp://${name}:${secret}@rabbitmq:5672/saga`,
        [`${prefix}_PORT`]: String(entry.port),
      },
      ports: [`${entry.port}:${entry.port}`],
    });
    expect(compose.services.prometheus.depends_on).toContain(name);
    expect(generated.Dockerfile).toContain(`COPY ${entry.dir}/package.json ${entry.dir}/\n`);

    const sql = generated['infra/postgres/init.sql']!;
    expect(sql).toContain(`CREATE ROLE "${databaseRole(name)}" LOGIN PASSWORD '${secret}';`);
    expect(sql).toContain(`CREATE DATABASE "${entry.database}" OWNER "${databaseRole(name)}";`);
    expect(sql).toContain(`REVOKE ALL ON DATABASE "${entry.database}" FROM PUBLIC;`);

    const grant = serviceGrant('saga', name);
    expect(definitions.users.find((user) => user.name === name)?.password_hash).toBe(rabbitPasswordHash(name, secret));
    expect(definitions.permissions.find((p) => p.user === name)).toEqual({ user: name, vhost: 'saga', configure: grant.configure, write: grant.write, read: grant.read });
    expect(definitions.topic_permissions.find((p) => p.user === name)).toEqual({ user: name, vhost: 'saga', exchange: 'saga.messages', write: grant.publishes, read: '.*' });

    const targets = prometheus.scrape_configs.find((job) => job.job_name === 'saga-services')!.static_configs.flatMap((config) => config.targets);
    expect(targets).toContain(`${name}:${entry.port}`);
  });

  it('generates no service the registry lacks', () => {
    const serviceContainers = Object.keys(compose.services).filter((name) => compose.services[name].build);
    expect(serviceContainers).toEqual([...SERVICE_NAMES]);
    expect(definitions.users.map((user) => user.name)).toEqual(['admin', ...SERVICE_NAMES]);
    const targets = prometheus.scrape_configs.find((job) => job.job_name === 'saga-services')!.static_configs.flatMap((config) => config.targets);
    expect(targets).toEqual(REGISTRY.map((entry) => `${entry.name}:${entry.port}`));
  });

  it("hashes passwords as RabbitMQ's rabbit_password_hashing_sha256 does, with a stable salt", () => {
    // A hash RabbitMQ itself made for admin-secret, salt e852bc4b.
    expect(rabbitPasswordHash('admin', 'admin-secret', Buffer.from('e852bc4b', 'hex'))).toBe('6FK8S+ZqFZkg/cLjG9Mxto5vGzsEBVTiySjch78InjG5/lPS');
    const hash = Buffer.from(rabbitPasswordHash('order', 'order-secret'), 'base64');
    const [salt, digest] = [hash.subarray(0, 4), hash.subarray(4)];
    expect(digest).toEqual(createHash('sha256').update(Buffer.concat([salt, Buffer.from('order-secret')])).digest());
    expect(rabbitPasswordHash('order', 'order-secret')).toBe(rabbitPasswordHash('order', 'order-secret'));
    expect(rabbitPasswordHash('order', 'order-secret')).not.toBe(rabbitPasswordHash('billing', 'order-secret'));
  });
});

describe('the kernel (shared/src)', () => {
  /** The kernel's TypeScript files; the contracts (shared/src/contracts) are the services' messages, named by their producers. */
  function kernelFiles(dir = path.join(root, 'shared', 'src')): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'contracts' ? [] : kernelFiles(full);
      return entry.name.endsWith('.ts') ? [full] : [];
    });
  }

  it('names no service outside comments: no name or database of the registry as a string or a property', () => {
    const names = new Set<string>(REGISTRY.flatMap((entry) => [entry.name, entry.database]));
    const found: string[] = [];
    for (const file of kernelFiles()) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        const text =
          ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)
            ? node.text
            : (ts.isPropertyAssignment(node) || ts.isPropertySignature(node) || ts.isShorthandPropertyAssignment(node)) && ts.isIdentifier(node.name)
              ? node.name.text
              : undefined;
        // A string (or literal type) that is a name or a database, or a URL ending in one; a
        // property named after one. Prose and SQL that merely use the words ("order by") pass.
        if (text !== undefined && (names.has(text.trim()) || [...names].some((name) => text.endsWith(`/${name}`)))) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${path.relative(root, file)}:${line + 1} ${JSON.stringify(text)}`);
        }
        node.forEachChild(visit);
      };
      visit(source);
    }
    expect(found).toEqual([]);
  });

  it('keeps no list of services', () => {
    const lists = kernelFiles().filter((file) => /\bSERVICE_NAMES\b|'order'\s*\|\s*'inventory'/.test(readFileSync(file, 'utf8')));
    expect(lists.map((file) => path.relative(root, file))).toEqual([]);
  });
});
