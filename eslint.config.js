// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['eslint.config.js', 'scratch/**', 'artifacts/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test/controlplane/**/*.go'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // scripts/warm-compile-cache.mjs is plain JavaScript: the image runs it with --lite-mode, which leaves Node no TypeScript stripping.
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Inject a Clock instead of reading Date.now() in logic.',
        },
      ],
    },
  },
  {
    // Fastify plugins are async by contract (FastifyPluginAsync) even when registering routes awaits nothing.
    files: ['agent/http/routes/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // Tests and harnesses may use real time and loose types for fixtures.
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: {
      'no-restricted-syntax': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // Fakes implement async ports without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
