import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const effects = ['amqplib', 'postgres', 'drizzle-orm', 'drizzle-orm/*', 'express', 'pino', 'node:fs', 'node:net', 'node:http'];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/drizzle/**', '**/dist/**', 'bench/results/**', '**/*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain is pure: no I/O, no clock, no random ids. Time and ids come in as arguments.
    files: ['services/*/src/domain/**/*.ts', 'shared/src/saga/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: effects, message: 'Domain code does no I/O; do it in a handler or route.' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Take the time as an argument.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Take the time as an argument.' },
        { selector: "CallExpression[callee.name='randomUUID']", message: 'Take ids as arguments.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Take randomness as an argument.' },
      ],
    },
  },
  {
    // SQL is never text: drizzle builds it (values as parameters, identifiers with sql.identifier).
    files: ['shared/src/**/*.ts', 'services/*/src/**/*.ts', 'tools/*/src/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'sql', property: 'raw', message: 'SQL is never text: build it with drizzle (values as parameters, identifiers with sql.identifier).' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', process: 'readonly', URL: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
